// actors/llm/wire_openai.hpp: the exact request (target, headers, JSON body,
// JSON mode) and decoding of real-looking chat-completions bodies, error
// bodies by status, and hostile bodies, none of which may throw.
#include "actors/llm/wire_openai.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>

using namespace delta::llm;
using namespace std::chrono_literals;
using namespace std::string_literals;
namespace json = boost::json;

namespace {

completion_request sample_request() {
  completion_request r;
  r.model = "gpt-4o-mini";
  r.system = "You explain trading signals.";
  r.messages = {{"user", "Explain RSI divergence."}};
  r.max_tokens = 256;
  r.temperature = 0.25;  // exactly representable: compares exactly after a JSON round trip
  return r;
}

// A real chat.completion body (trimmed of fields we do not read).
const std::string ok_body = R"({
  "id": "chatcmpl-9xYz",
  "object": "chat.completion",
  "created": 1732269600,
  "model": "gpt-4o-mini-2024-07-18",
  "choices": [{
    "index": 0,
    "message": {"role": "assistant", "content": "RSI divergence is...", "refusal": null},
    "logprobs": null,
    "finish_reason": "stop"
  }],
  "usage": {"prompt_tokens": 21, "completion_tokens": 42, "total_tokens": 63},
  "system_fingerprint": "fp_0ba0d124f1"
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
  EXPECT_NE(f, nullptr) << "expected a failure, got text: "
                        << (std::holds_alternative<completion_result>(o) ? std::get<completion_result>(o).text : "");
  return f ? *f : none;
}

}  // namespace

TEST(WireOpenai, EncodesTheChatCompletionsRequestExactly) {
  auto w = encode_openai(sample_request(), "/v1", "sk-test-123");
  EXPECT_EQ(w.target, "/v1/chat/completions");
  ASSERT_EQ(w.headers.size(), 2u);
  EXPECT_EQ(w.headers[0], (std::pair<std::string, std::string>{"Authorization", "Bearer sk-test-123"}));
  EXPECT_EQ(w.headers[1], (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
  auto expected = json::parse(R"({
    "model": "gpt-4o-mini",
    "messages": [
      {"role": "system", "content": "You explain trading signals."},
      {"role": "user", "content": "Explain RSI divergence."}
    ],
    "max_tokens": 256,
    "temperature": 0.25
  })");
  EXPECT_EQ(json::parse(w.body), expected) << w.body;
}

TEST(WireOpenai, AsksForJsonModeWhenTheUseCaseWantsJson) {
  auto r = sample_request();
  r.json_output = true;
  auto body = json::parse(encode_openai(r, "/v1", "k").body);
  EXPECT_EQ(body.at("response_format"), json::parse(R"({"type":"json_object"})"));
}

TEST(WireOpenai, OmitsTheSystemMessageWhenThereIsNoSystemPromptAndKeepsTurnOrder) {
  auto r = sample_request();
  r.system.clear();
  r.messages = {{"user", "a"}, {"assistant", "b"}, {"user", "c"}};
  auto body = json::parse(encode_openai(r, "", "k").body);
  EXPECT_EQ(body.at("messages"), json::parse(R"([{"role":"user","content":"a"},
      {"role":"assistant","content":"b"},{"role":"user","content":"c"}])"));
}

TEST(WireOpenai, SendsNoAuthorizationToAKeylessLocalServer) {
  auto w = encode_openai(sample_request(), "/v1", "");
  EXPECT_EQ(w.header("Authorization"), "");
  EXPECT_EQ(w.headers.size(), 1u);
}

TEST(WireOpenai, NeverWritesAKeyThatWouldInjectAHeader) {
  auto w = encode_openai(sample_request(), "/v1", "sk-abc\r\nX-Evil: 1");
  EXPECT_EQ(w.header("Authorization"), "");
  for (const auto& [k, v] : w.headers) EXPECT_EQ(v.find('\n'), std::string::npos);
}

TEST(WireOpenai, EscapesPromptTextInTheBody) {
  auto r = sample_request();
  r.messages = {{"user", "quote \" backslash \\ newline \n end"}};
  auto body = json::parse(encode_openai(r, "/v1", "k").body);
  EXPECT_EQ(body.at("messages").at(1).at("content").as_string(), "quote \" backslash \\ newline \n end");
}

TEST(WireOpenai, DecodesTextUsageAndModelFromARealResponse) {
  auto r = ok(decode_openai(200, ok_body));
  EXPECT_EQ(r.text, "RSI divergence is...");
  EXPECT_EQ(r.prompt_tokens, 21);
  EXPECT_EQ(r.completion_tokens, 42);
  EXPECT_TRUE(r.usage_reported);
  EXPECT_EQ(r.model, "gpt-4o-mini-2024-07-18");
  EXPECT_FALSE(r.truncated);
}

TEST(WireOpenai, KeepsTheTextWhenUsageIsMissingOrNonsenseAndReportsZeroTokens) {
  auto no_usage = ok(decode_openai(200, R"({"choices":[{"message":{"content":"hi"}}]})"));
  EXPECT_EQ(no_usage.text, "hi");
  EXPECT_EQ(no_usage.prompt_tokens, 0);
  EXPECT_EQ(no_usage.completion_tokens, 0);
  EXPECT_FALSE(no_usage.usage_reported);
  EXPECT_EQ(no_usage.model, "");
  for (const char* usage : {R"({"prompt_tokens":"21","completion_tokens":42})",
                            R"({"prompt_tokens":-1,"completion_tokens":42})",
                            R"({"prompt_tokens":1e300,"completion_tokens":42})",
                            R"({"prompt_tokens":1e999,"completion_tokens":42})",  // parsed as infinity
                            R"({"prompt_tokens":18446744073709551615,"completion_tokens":42})",
                            R"({"prompt_tokens":2.5,"completion_tokens":42})", R"([1,2])", "null"}) {
    auto body = std::string{R"({"choices":[{"message":{"content":"hi"}}],"usage":)"} + usage + "}";
    auto r = ok(decode_openai(200, body));
    EXPECT_EQ(r.text, "hi") << usage;
    EXPECT_FALSE(r.usage_reported) << usage;
    EXPECT_EQ(r.prompt_tokens, 0) << usage;
  }
}

TEST(WireOpenai, MarksAnAnswerCutAtMaxTokensAsTruncated) {
  auto r = ok(decode_openai(200, R"({"choices":[{"message":{"content":"{\"decision\":"},
                                     "finish_reason":"length"}]})"));
  EXPECT_TRUE(r.truncated);
}

TEST(WireOpenai, TurnsErrorStatusesIntoHttpFailuresWithTheRightRetryableFlag) {
  struct row {
    int status;
    const char* body;
    bool retryable;
  };
  const row rows[] = {
      {400, R"({"error":{"message":"Invalid 'max_tokens'","type":"invalid_request_error","param":"max_tokens","code":null}})", false},
      {401, R"({"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})", false},
      {429, R"({"error":{"message":"Rate limit reached for gpt-4o-mini","type":"requests","param":null,"code":"rate_limit_exceeded"}})", true},
      {500, R"({"error":{"message":"The server had an error while processing your request.","type":"server_error"}})", true},
      {503, "<html><body>Service Unavailable</body></html>", true},
  };
  for (const auto& r : rows) {
    auto f = failed(decode_openai(r.status, r.body));
    EXPECT_EQ(f.kind, failure_kind::http_status) << r.status;
    EXPECT_EQ(f.status, r.status);
    EXPECT_EQ(f.retryable, r.retryable) << r.status;
    EXPECT_NE(f.message.find(std::to_string(r.status)), std::string::npos) << f.message;
  }
  EXPECT_NE(failed(decode_openai(401, rows[1].body)).message.find("Incorrect API key"), std::string::npos);
}

TEST(WireOpenai, KeepsRetryAfterOnlyOnA429OrA503) {
  const char* body = R"({"error":{"message":"slow down"}})";
  EXPECT_EQ(failed(decode_openai(429, body, 7s)).retry_after, 7s);
  EXPECT_EQ(failed(decode_openai(503, body, 7s)).retry_after, 7s);
  EXPECT_FALSE(failed(decode_openai(500, body, 7s)).retry_after);
  EXPECT_FALSE(failed(decode_openai(429, body)).retry_after);
}

TEST(WireOpenai, TreatsAnErrorObjectInA200AsAProviderError) {
  auto f = failed(decode_openai(200, R"({"error":{"message":"model not loaded","type":"server_error"}})"));
  EXPECT_EQ(f.kind, failure_kind::provider_error);
  EXPECT_FALSE(f.retryable);
  EXPECT_NE(f.message.find("model not loaded"), std::string::npos);
}

TEST(WireOpenai, TreatsARefusalAsAProviderError) {
  auto f = failed(decode_openai(200, R"({"choices":[{"message":{"role":"assistant","content":null,
      "refusal":"I can't help with that."},"finish_reason":"stop"}]})"));
  EXPECT_EQ(f.kind, failure_kind::provider_error);
  EXPECT_EQ(failed(decode_openai(200, R"({"choices":[]})")).kind, failure_kind::provider_error);
}

TEST(WireOpenai, TurnsEveryHostileBodyIntoAnInvalidBodyFailure) {
  const std::string truncated = ok_body.substr(0, ok_body.size() / 2);
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  const std::string hostile[] = {
      "",
      "not json at all",
      "<html>502 Bad Gateway</html>",
      truncated,
      ok_body + "garbage",
      "[]",
      "\"just a string\"",
      "42",
      "null",
      R"({"choices": "nope"})",
      R"({"choices": [42]})",
      R"({"choices": [{"message": "text"}]})",
      R"({"choices": [{"message": {"content": 7}}]})",
      R"({"choices": [{"message": {"content": ["a", "b"]}}]})",
      R"({"choices": [{"message": {}}]})",
      R"({"object": "chat.completion"})",
      "{\"choices\": [{\"message\": {\"content\": \"\xff\xfe\"}}]}",  // invalid UTF-8
      deep,
      "{\"choices\":[{\"message\":{\"content\":\"a\0b\"}}]}"s,  // raw NUL in a string
  };
  for (const auto& body : hostile) {
    completion_outcome o;
    ASSERT_NO_THROW(o = decode_openai(200, body)) << body.substr(0, 80);
    auto* f = std::get_if<call_failure>(&o);
    ASSERT_NE(f, nullptr) << body.substr(0, 80);
    EXPECT_EQ(f->kind, failure_kind::invalid_body) << body.substr(0, 80);
    EXPECT_FALSE(f->retryable);
    EXPECT_LE(f->message.size(), 400u);
  }
}

TEST(WireOpenai, RefusesABodyLargerThanTheLimitWithoutParsingIt) {
  std::string huge = R"({"choices":[{"message":{"content":")" + std::string(9 * 1024 * 1024, 'a') + R"("}}]})";
  auto f = failed(decode_openai(200, huge));
  EXPECT_EQ(f.kind, failure_kind::invalid_body);
  EXPECT_NE(f.message.find("too large"), std::string::npos);
}

TEST(WireOpenai, BoundsAndSanitisesTheLogMessageOfAHostileErrorBody) {
  std::string long_message = R"({"error":{"message":")" + std::string(5000, 'x') + R"(\n\r\u0007"}})";
  auto f = failed(decode_openai(500, long_message));
  EXPECT_LE(f.message.size(), 400u);
  for (char c : f.message) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
  auto g = failed(decode_openai(502, std::string(100000, '{')));
  EXPECT_EQ(g.message, "HTTP 502");
}
