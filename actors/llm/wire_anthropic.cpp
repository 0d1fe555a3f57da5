#include "actors/llm/wire_anthropic.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "actors/llm/http_failure.hpp"
#include "actors/llm/untrusted_json.hpp"

namespace delta::llm {

namespace json = boost::json;

wire_request encode_anthropic(const completion_request& req, std::string_view path_prefix,
                              std::string_view api_key) {
  std::string system = req.system;
  json::array messages;
  for (const auto& m : req.messages) {
    if (m.role == "system") {
      if (!system.empty()) system += "\n\n";
      system += m.content;
      continue;
    }
    json::array content{json::object{{"type", "text"}, {"text", m.content}}};
    messages.push_back(json::object{{"role", m.role}, {"content", std::move(content)}});
  }

  json::object body;
  body["model"] = req.model;
  if (!system.empty()) body["system"] = system;
  body["messages"] = std::move(messages);
  body["max_tokens"] = req.max_tokens;
  body["temperature"] = req.temperature;

  wire_request out;
  out.target = std::string{path_prefix} + "/v1/messages";
  if (is_valid_api_key(api_key)) out.headers.emplace_back("x-api-key", std::string{api_key});
  out.headers.emplace_back("anthropic-version", std::string{anthropic_version});
  out.headers.emplace_back("content-type", "application/json");
  out.body = json::serialize(body);
  return out;
}

completion_outcome decode_anthropic(int status, std::string_view body,
                                    std::optional<std::chrono::seconds> retry_after) {
  auto parsed = success_body(status, body, retry_after);
  if (auto* failure = std::get_if<call_failure>(&parsed)) return *failure;
  const auto* v = &std::get<json::value>(parsed);
  const auto* content = untrusted_json::array_at(*v, "content");
  if (!content) return body_failure(failure_kind::invalid_body, status, "no content array");

  completion_result r;
  bool any_text = false;
  for (const auto& block : *content) {
    if (untrusted_json::string_at(block, "type") != "text") continue;  // e.g. tool_use, thinking
    auto text = untrusted_json::string_at(block, "text");
    if (!text) return body_failure(failure_kind::invalid_body, status, "text block without text");
    r.text += *text;
    any_text = true;
  }
  if (!any_text) return body_failure(failure_kind::provider_error, status, "no text block in content");
  if (auto model = untrusted_json::string_at(*v, "model")) r.model.assign(*model);
  if (auto reason = untrusted_json::string_at(*v, "stop_reason")) r.truncated = *reason == "max_tokens";
  read_usage(*v, "input_tokens", "output_tokens", r);
  return r;
}

}  // namespace delta::llm
