// actors/llm/wire_anthropic.hpp: the exact Messages request (top-level
// system, text content blocks, headers) and decoding of real-looking
// Messages bodies, Anthropic error bodies by status, and hostile bodies.
#include "actors/llm/wire_anthropic.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>

using namespace delta::llm;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

completion_request sample_request() {
  completion_request r;
  r.model = "claude-3-5-haiku-latest";
  r.system = "You evaluate trading signals.";
  r.messages = {{"user", "BTC-PERP long at 97000?"}};
  r.max_tokens = 512;
  r.temperature = 0.5;
  r.json_output = true;
  return r;
}

const std::string ok_body = R"({
  "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
  "type": "message",
  "role": "assistant",
  "model": "claude-3-5-haiku-20241022",
  "content": [{"type": "text", "text": "{\"decision\":\"approve\","},
              {"type": "text", "text": "\"confidence\":0.7,\"rationale\":\"trend\"}"}],
  "stop_reason": "end_turn",
  "stop_sequence": null,
  "usage": {"input_tokens": 120, "output_tokens": 35}
})";

const completion_result& ok(const completion_outcome& o) {
  static const completion_result empty;
  auto* r = std::get_if<completion_result>(&o);
  EXPECT_NE(r, nullptr) << "expected a result, got failure: "
                        << (std::holds_alternative<call_failure>(o) ? std::get<call_failure>(o).message : "");
  return r ? *r : empty;
}

const call_failure& failed(const completion_outcome& o) {
  static const call_failure none;
  auto* f = std::get_if<call_failure>(&o);
  EXPECT_NE(f, nullptr) << "expected a failure";
  return f ? *f : none;
}

}  // namespace

TEST(WireAnthropic, EncodesTheMessagesRequestExactly) {
  auto w = encode_anthropic(sample_request(), "", "sk-ant-test");
  EXPECT_EQ(w.target, "/v1/messages");
  ASSERT_EQ(w.headers.size(), 3u);
  EXPECT_EQ(w.headers[0], (std::pair<std::string, std::string>{"x-api-key", "sk-ant-test"}));
  EXPECT_EQ(w.headers[1], (std::pair<std::string, std::string>{"anthropic-version", "2023-06-01"}));
  EXPECT_EQ(w.headers[2], (std::pair<std::string, std::string>{"content-type", "application/json"}));
  auto expected = json::parse(R"({
    "model": "claude-3-5-haiku-latest",
    "system": "You evaluate trading signals.",
    "messages": [{"role": "user", "content": [{"type": "text", "text": "BTC-PERP long at 97000?"}]}],
    "max_tokens": 512,
    "temperature": 0.5
  })");
  EXPECT_EQ(json::parse(w.body), expected) << w.body;
}

TEST(WireAnthropic, NeverSendsAnAuthorizationHeaderOrAResponseFormat) {
  auto w = encode_anthropic(sample_request(), "", "sk-ant-test");
  EXPECT_EQ(w.header("Authorization"), "");
  EXPECT_FALSE(json::parse(w.body).as_object().contains("response_format"));
}

TEST(WireAnthropic, FoldsSystemRoleMessagesIntoTheTopLevelSystemPrompt) {
  auto r = sample_request();
  r.messages = {{"system", "Answer in JSON."}, {"user", "q"}, {"assistant", "a"}, {"user", "q2"}};
  auto body = json::parse(encode_anthropic(r, "", "k").body);
  EXPECT_EQ(body.at("system").as_string(), "You evaluate trading signals.\n\nAnswer in JSON.");
  EXPECT_EQ(body.at("messages").as_array().size(), 3u);
  EXPECT_EQ(body.at("messages").at(1).at("role").as_string(), "assistant");
  r.system.clear();
  r.messages = {{"user", "q"}};
  EXPECT_FALSE(json::parse(encode_anthropic(r, "", "k").body).as_object().contains("system"));
}

TEST(WireAnthropic, PutsThePathAfterABaseUrlPrefix) {
  EXPECT_EQ(encode_anthropic(sample_request(), "/proxy/anthropic", "k").target, "/proxy/anthropic/v1/messages");
}

TEST(WireAnthropic, DecodesJoinedTextBlocksUsageAndModel) {
  auto r = ok(decode_anthropic(200, ok_body));
  EXPECT_EQ(r.text, R"({"decision":"approve","confidence":0.7,"rationale":"trend"})");
  EXPECT_EQ(r.prompt_tokens, 120);
  EXPECT_EQ(r.completion_tokens, 35);
  EXPECT_TRUE(r.usage_reported);
  EXPECT_EQ(r.model, "claude-3-5-haiku-20241022");
  EXPECT_FALSE(r.truncated);
}

TEST(WireAnthropic, SkipsNonTextBlocksAndMarksMaxTokensAsTruncated) {
  auto r = ok(decode_anthropic(200, R"({"type":"message","content":[
      {"type":"thinking","thinking":"hmm","signature":"x"},{"type":"text","text":"answer"}],
      "stop_reason":"max_tokens","usage":{"input_tokens":1,"output_tokens":2}})"));
  EXPECT_EQ(r.text, "answer");
  EXPECT_TRUE(r.truncated);
}

TEST(WireAnthropic, KeepsTheTextWhenUsageIsMissing) {
  auto r = ok(decode_anthropic(200, R"({"content":[{"type":"text","text":"hi"}]})"));
  EXPECT_EQ(r.text, "hi");
  EXPECT_FALSE(r.usage_reported);
  EXPECT_EQ(r.prompt_tokens, 0);
  EXPECT_EQ(r.completion_tokens, 0);
}

TEST(WireAnthropic, TurnsErrorStatusesIntoHttpFailuresWithTheRightRetryableFlag) {
  struct row {
    int status;
    const char* type;
    bool retryable;
  };
  const row rows[] = {
      {400, "invalid_request_error", false}, {401, "authentication_error", false},
      {403, "permission_error", false},      {404, "not_found_error", false},
      {429, "rate_limit_error", true},       {500, "api_error", true},
      {503, "api_error", true},              {529, "overloaded_error", true},
  };
  for (const auto& r : rows) {
    auto body = std::string{R"({"type":"error","error":{"type":")"} + r.type +
                R"(","message":"something went wrong"}})";
    auto f = failed(decode_anthropic(r.status, body, 30s));
    EXPECT_EQ(f.kind, failure_kind::http_status) << r.status;
    EXPECT_EQ(f.status, r.status);
    EXPECT_EQ(f.retryable, r.retryable) << r.status;
    EXPECT_NE(f.message.find(r.type), std::string::npos) << f.message;
    EXPECT_EQ(f.retry_after.has_value(), r.status == 429 || r.status == 503) << r.status;
  }
}

TEST(WireAnthropic, TreatsAnErrorTypedBodyInA200AsAProviderError) {
  auto f = failed(decode_anthropic(200, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
  EXPECT_EQ(f.kind, failure_kind::provider_error);
  EXPECT_FALSE(f.retryable);
}

TEST(WireAnthropic, TreatsAnAnswerWithoutTextAsAProviderError) {
  auto f = failed(decode_anthropic(200, R"({"content":[{"type":"tool_use","id":"t","name":"x","input":{}}]})"));
  EXPECT_EQ(f.kind, failure_kind::provider_error);
  EXPECT_EQ(failed(decode_anthropic(200, R"({"content":[]})")).kind, failure_kind::provider_error);
}

TEST(WireAnthropic, TurnsEveryHostileBodyIntoAnInvalidBodyFailure) {
  const std::string hostile[] = {
      "",
      "{",
      ok_body.substr(0, 120),
      "Internal Server Error",
      "[1,2,3]",
      "true",
      R"({"content": "text"})",
      R"({"content": {"type": "text"}})",
      R"({"content": [{"type": "text"}]})",
      R"({"content": [{"type": "text", "text": 12}]})",
      R"({"content": [{"type": "text", "text": null}]})",
      R"({"type": "message"})",
  };
  for (const auto& body : hostile) {
    completion_outcome o;
    ASSERT_NO_THROW(o = decode_anthropic(200, body)) << body;
    auto* f = std::get_if<call_failure>(&o);
    ASSERT_NE(f, nullptr) << body;
    EXPECT_EQ(f->kind, failure_kind::invalid_body) << body;
    EXPECT_FALSE(f->retryable);
  }
}
