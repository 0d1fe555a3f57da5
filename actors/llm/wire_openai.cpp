#include "actors/llm/wire_openai.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "actors/llm/http_failure.hpp"
#include "actors/llm/untrusted_json.hpp"

namespace delta::llm {

namespace json = boost::json;

wire_request encode_openai(const completion_request& req, std::string_view path_prefix,
                           std::string_view api_key) {
  json::array messages;
  if (!req.system.empty()) messages.push_back(json::object{{"role", "system"}, {"content", req.system}});
  for (const auto& m : req.messages)
    messages.push_back(json::object{{"role", m.role}, {"content", m.content}});

  json::object body;
  body["model"] = req.model;
  body["messages"] = std::move(messages);
  // max_tokens, not max_completion_tokens: every OpenAI-compatible server
  // (ollama, vLLM) understands it and OpenAI still accepts it for chat models.
  body["max_tokens"] = req.max_tokens;
  body["temperature"] = req.temperature;
  if (req.json_output) body["response_format"] = json::object{{"type", "json_object"}};

  wire_request out;
  out.target = std::string{path_prefix} + "/chat/completions";
  if (is_valid_api_key(api_key)) out.headers.emplace_back("Authorization", "Bearer " + std::string{api_key});
  out.headers.emplace_back("Content-Type", "application/json");
  out.body = json::serialize(body);
  return out;
}

completion_outcome decode_openai(int status, std::string_view body,
                                 std::optional<std::chrono::seconds> retry_after) {
  // (Some OpenAI-compatible servers answer 200 with an error object.)
  auto parsed = success_body(status, body, retry_after);
  if (auto* failure = std::get_if<call_failure>(&parsed)) return *failure;
  const auto* v = &std::get<json::value>(parsed);
  const auto* choices = untrusted_json::array_at(*v, "choices");
  if (!choices) return body_failure(failure_kind::invalid_body, status, "no choices array");
  if (choices->empty()) return body_failure(failure_kind::provider_error, status, "empty choices");
  const auto& choice = (*choices)[0];
  const auto* message = untrusted_json::object_at(choice, "message");
  if (!message) return body_failure(failure_kind::invalid_body, status, "choice without message");
  auto content = untrusted_json::string_at(*message, "content");
  if (!content) {
    // content null with a refusal: the model declined; not a body error.
    if (auto refusal = untrusted_json::string_at(*message, "refusal"))
      return body_failure(failure_kind::provider_error, status,
                          "refusal: " + untrusted_json::log_excerpt(*refusal));
    return body_failure(failure_kind::invalid_body, status, "message without text content");
  }

  completion_result r;
  r.text.assign(*content);
  if (auto model = untrusted_json::string_at(*v, "model")) r.model.assign(*model);
  if (auto reason = untrusted_json::string_at(choice, "finish_reason")) r.truncated = *reason == "length";
  read_usage(*v, "prompt_tokens", "completion_tokens", r);
  return r;
}

}  // namespace delta::llm
