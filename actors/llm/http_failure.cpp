#include "actors/llm/http_failure.hpp"

#include "actors/llm/retry_policy.hpp"
#include "actors/llm/untrusted_json.hpp"

namespace delta::llm {

call_failure http_failure(int status, std::string_view body,
                          std::optional<std::chrono::seconds> retry_after) {
  call_failure f;
  f.kind = failure_kind::http_status;
  f.status = status;
  f.retryable = is_retryable(f);
  if (status == 429 || status == 503) f.retry_after = retry_after;
  std::string text = "HTTP " + std::to_string(status);
  // Both OpenAI ({"error":{"message"}}) and Anthropic ({"type":"error",
  // "error":{"type","message"}}) put the reason at error.message.
  if (auto v = untrusted_json::parse(body)) {
    if (const auto* err = untrusted_json::object_at(*v, "error")) {
      if (auto type = untrusted_json::string_at(*err, "type"))
        text += " " + untrusted_json::log_excerpt(*type, 60);
      if (auto msg = untrusted_json::string_at(*err, "message"))
        text += ": " + untrusted_json::log_excerpt(*msg);
    }
  }
  f.message = std::move(text);
  return f;
}

call_failure body_failure(failure_kind kind, int status, std::string_view message) {
  call_failure f;
  f.kind = kind;
  f.status = status;
  f.retryable = false;
  f.message = untrusted_json::log_excerpt(message);
  return f;
}

std::variant<boost::json::value, call_failure> success_body(
    int status, std::string_view body, std::optional<std::chrono::seconds> retry_after) {
  if (status < 200 || status > 299) return http_failure(status, body, retry_after);
  std::string why;
  auto v = untrusted_json::parse(body, &why);
  if (!v) return body_failure(failure_kind::invalid_body, status, why);
  if (!v->is_object()) return body_failure(failure_kind::invalid_body, status, "body is not an object");
  if (untrusted_json::string_at(*v, "type") == "error" || v->as_object().contains("error")) {
    auto f = http_failure(status, body, std::nullopt);
    f.kind = failure_kind::provider_error;
    f.retryable = false;
    return f;
  }
  return std::move(*v);
}

void read_usage(const boost::json::value& body, std::string_view input_key,
                std::string_view output_key, completion_result& r) {
  const auto* usage = untrusted_json::object_at(body, "usage");
  if (!usage) return;
  auto in = untrusted_json::count_at(*usage, input_key);
  auto out = untrusted_json::count_at(*usage, output_key);
  if (in && out) {
    r.prompt_tokens = *in;
    r.completion_tokens = *out;
    r.usage_reported = true;
  }
}

}  // namespace delta::llm
