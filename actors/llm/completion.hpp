#pragma once
// The provider-neutral vocabulary of one LLM call: what the gateway asks
// (completion_request), what a provider answered (completion_result) and how
// a call failed (call_failure). The wire_* encoders/decoders translate these
// to and from each provider's HTTP format; nothing here knows a provider.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace delta::llm {

struct chat_message {
  std::string role;     // "user" or "assistant" ("system" is folded into the system prompt)
  std::string content;  // plain text
};

struct completion_request {
  std::string model;
  std::string system;  // empty: no system prompt
  std::vector<chat_message> messages;
  int max_tokens = 1024;
  double temperature = 0.0;
  bool json_output = false;  // ask for a single JSON object (OpenAI JSON mode)
};

struct completion_result {
  std::string text;
  std::int64_t prompt_tokens = 0;      // 0 when the provider did not report usage
  std::int64_t completion_tokens = 0;  // (see usage_reported)
  bool usage_reported = false;
  std::string model;       // as the provider names it (may be a dated variant); empty if absent
  bool truncated = false;  // stopped at max_tokens: JSON output is then likely invalid
};

enum class failure_kind {
  connect_error,   // DNS, TCP or TLS failure before a response (set by the HTTP client)
  timeout,         // the per-call timeout cut the call (set by the HTTP client)
  http_status,     // the provider answered a non-2xx status
  invalid_body,    // 2xx, but the body is not the provider's format (not JSON, truncated, wrong types)
  provider_error,  // 2xx with an error object in it, or no usable answer (e.g. refusal)
  invalid_output,  // the text does not validate against the use case's schema
};

struct call_failure {
  failure_kind kind = failure_kind::invalid_body;
  int status = 0;  // HTTP status, 0 when none was received
  bool retryable = false;  // the same endpoint may be tried again (see retry_policy)
  std::optional<std::chrono::seconds> retry_after;  // from a 429/503's Retry-After
  // For logs only, never for clients: it may quote the provider. Bounded in
  // length by the decoders.
  std::string message;
};

// Exactly one of the two: the decoders never throw.
using completion_outcome = std::variant<completion_result, call_failure>;

std::string_view to_string(failure_kind k);

}  // namespace delta::llm
