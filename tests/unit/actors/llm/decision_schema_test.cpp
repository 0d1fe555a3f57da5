// actors/llm/decision_schema.hpp: the exact decision object is accepted
// (bare, with whitespace, inside one ```json fence); each way of missing the
// schema is refused with a reason, never turned into a decision.
#include "actors/llm/decision_schema.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace delta::llm;

namespace {

const char* valid = R"({"decision":"approve","confidence":0.82,"rationale":"Trend and volume agree."})";

void expect_invalid(std::string_view output, std::string_view reason_part) {
  auto c = validate_decision(output);
  EXPECT_FALSE(c.ok()) << output;
  EXPECT_NE(c.reason.find(reason_part), std::string::npos) << "reason: " << c.reason << "\noutput: " << output;
}

}  // namespace

TEST(DecisionSchema, AcceptsTheExactObject) {
  auto c = validate_decision(valid);
  ASSERT_TRUE(c.ok()) << c.reason;
  EXPECT_EQ(c.value->kind, decision_kind::approve);
  EXPECT_DOUBLE_EQ(c.value->confidence, 0.82);
  EXPECT_EQ(c.value->rationale, "Trend and volume agree.");
  EXPECT_TRUE(c.reason.empty());
}

TEST(DecisionSchema, AcceptsEachDecisionAndTheConfidenceBounds) {
  auto r = validate_decision(R"({"decision":"reject","confidence":0,"rationale":"x"})");
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.value->kind, decision_kind::reject);
  EXPECT_EQ(r.value->confidence, 0.0);
  auto a = validate_decision(R"({"rationale":"x","confidence":1,"decision":"abstain"})");  // any key order
  ASSERT_TRUE(a.ok()) << a.reason;
  EXPECT_EQ(a.value->kind, decision_kind::abstain);
  EXPECT_EQ(a.value->confidence, 1.0);
  EXPECT_TRUE(validate_decision(R"({"decision":"approve","confidence":1.0,"rationale":"x"})").ok());
}

TEST(DecisionSchema, ToleratesSurroundingWhitespaceAndOneJsonFence) {
  EXPECT_TRUE(validate_decision(std::string{"\n\n  "} + valid + "  \n").ok());
  EXPECT_TRUE(validate_decision(std::string{"```json\n"} + valid + "\n```").ok());
  EXPECT_TRUE(validate_decision(std::string{"  ```JSON\n"} + valid + "\n```\n").ok());
  EXPECT_TRUE(validate_decision(std::string{"```\n"} + valid + "\n```").ok());
  EXPECT_TRUE(validate_decision(std::string{"```json  \r\n"} + valid + "```").ok());
}

TEST(DecisionSchema, RefusesProseAroundTheObjectOrABrokenFence) {
  expect_invalid(std::string{"Here is my answer: "} + valid, "not JSON");
  expect_invalid(std::string{valid} + " Hope this helps!", "not JSON");
  expect_invalid(std::string{"```json\n"} + valid, "fence");
  expect_invalid(std::string{"```python\n"} + valid + "\n```", "fence");
  expect_invalid(std::string{"```json "} + valid + "```", "fence");  // no newline after the info string
  expect_invalid(std::string{"Sure!\n```json\n"} + valid + "\n```", "not JSON");
  expect_invalid(std::string{"```json\n"} + valid + "\n```\nDone.", "fence");
  expect_invalid(std::string{"```json\n"} + valid + "\n```\n```json\n" + valid + "\n```", "fence");
}

TEST(DecisionSchema, RefusesAnythingButOneObject) {
  expect_invalid("", "not JSON");
  expect_invalid("approve", "not JSON");
  expect_invalid(std::string{"["} + valid + "]", "not a JSON object");
  expect_invalid("\"approve\"", "not a JSON object");
  expect_invalid(std::string{valid} + valid, "not JSON");
  expect_invalid(R"({"decision":"approve","confidence":0.5,"rationale":"x")", "not JSON");  // truncated
}

TEST(DecisionSchema, RefusesExtraKeys) {
  expect_invalid(R"({"decision":"approve","confidence":0.5,"rationale":"x","risk":"low"})", "unexpected key \"risk\"");
  expect_invalid(R"({"decision":"approve","confidence":0.5,"rationale":"x","Decision":"reject"})", "unexpected key");
}

TEST(DecisionSchema, RefusesARepeatedKeyInsteadOfKeepingTheLastOne) {
  expect_invalid(R"({"decision":"approve","decision":"reject","confidence":0.5,"rationale":"x"})", "duplicate key");
  // The same key spelled with an escape is still the same key.
  expect_invalid(R"({"decision":"approve","decisio\u006e":"reject","confidence":0.5,"rationale":"x"})", "duplicate key");
  // Colons and braces inside strings are not members.
  auto c = validate_decision(R"({"decision":"reject","confidence":0.4,"rationale":"ratio 3:1 {not} \"a:b\" [x]"})");
  EXPECT_TRUE(c.ok()) << c.reason;
}

TEST(DecisionSchema, RefusesAMissingOrWrongDecision) {
  expect_invalid(R"({"confidence":0.5,"rationale":"x"})", "decision missing");
  expect_invalid(R"({"decision":"APPROVE","confidence":0.5,"rationale":"x"})", "approve, reject or abstain");
  expect_invalid(R"({"decision":"buy","confidence":0.5,"rationale":"x"})", "approve, reject or abstain");
  expect_invalid(R"({"decision":" approve","confidence":0.5,"rationale":"x"})", "approve, reject or abstain");
  expect_invalid(R"({"decision":1,"confidence":0.5,"rationale":"x"})", "decision missing or not a string");
  expect_invalid(R"({"decision":["approve"],"confidence":0.5,"rationale":"x"})", "not a string");
}

TEST(DecisionSchema, RefusesAMissingNonNumericOrOutOfRangeConfidence) {
  expect_invalid(R"({"decision":"approve","rationale":"x"})", "confidence missing");
  expect_invalid(R"({"decision":"approve","confidence":"0.5","rationale":"x"})", "not a number");
  expect_invalid(R"({"decision":"approve","confidence":true,"rationale":"x"})", "not a number");
  expect_invalid(R"({"decision":"approve","confidence":null,"rationale":"x"})", "not a number");
  expect_invalid(R"({"decision":"approve","confidence":1.0000001,"rationale":"x"})", "outside [0, 1]");
  expect_invalid(R"({"decision":"approve","confidence":-0.1,"rationale":"x"})", "outside [0, 1]");
  expect_invalid(R"({"decision":"approve","confidence":85,"rationale":"x"})", "outside [0, 1]");
  expect_invalid(R"({"decision":"approve","confidence":18446744073709551615,"rationale":"x"})", "outside [0, 1]");
  expect_invalid(R"({"decision":"approve","confidence":1e999,"rationale":"x"})", "outside [0, 1]");
}

TEST(DecisionSchema, RefusesAMissingEmptyOrOverlongRationale) {
  expect_invalid(R"({"decision":"approve","confidence":0.5})", "rationale missing");
  expect_invalid(R"({"decision":"approve","confidence":0.5,"rationale":42})", "not a string");
  expect_invalid(R"({"decision":"approve","confidence":0.5,"rationale":""})", "empty");
  expect_invalid(R"({"decision":"approve","confidence":0.5,"rationale":"  \n "})", "empty");
  auto at_limit = std::string(max_rationale_chars, 'r');
  EXPECT_TRUE(validate_decision(R"({"decision":"approve","confidence":0.5,"rationale":")" + at_limit + "\"}").ok());
  expect_invalid(R"({"decision":"approve","confidence":0.5,"rationale":")" + at_limit + "r\"}", "too long");
}

TEST(DecisionSchema, CountsTheRationaleLimitInCharactersNotBytes) {
  std::string euros;
  for (std::size_t i = 0; i < max_rationale_chars; ++i) euros += "\xE2\x82\xAC";  // 3 bytes each
  EXPECT_TRUE(validate_decision(R"({"decision":"approve","confidence":0.5,"rationale":")" + euros + "\"}").ok());
}

TEST(DecisionSchema, NamesDecisionsAsTheApiDoes) {
  EXPECT_EQ(to_string(decision_kind::approve), "approve");
  EXPECT_EQ(to_string(decision_kind::reject), "reject");
  EXPECT_EQ(to_string(decision_kind::abstain), "abstain");
}
