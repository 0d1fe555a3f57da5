#pragma once
// Strict validation of an evaluator's structured output against the decision
// schema of API.md:
//   {"decision": "approve"|"reject"|"abstain", "confidence": 0..1, "rationale": string}
// Output that fails is recorded as that model's failure, never as a decision,
// so "close enough" is not accepted: exactly these three keys, the right
// types, nothing around the object except whitespace or one ```json fence.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace delta::llm {

enum class decision_kind { approve, reject, abstain };

std::string_view to_string(decision_kind d);

struct decision {
  decision_kind kind = decision_kind::abstain;
  double confidence = 0.0;
  std::string rationale;
};

// Rationale bound, in Unicode code points (stored and shown to users).
inline constexpr std::size_t max_rationale_chars = 2000;

struct decision_check {
  std::optional<decision> value;  // set when valid
  std::string reason;             // why not, when invalid: for logs and the failure record
  bool ok() const { return value.has_value(); }
};

decision_check validate_decision(std::string_view model_output);

// The JSON text inside the model's output: surrounding whitespace removed
// and one Markdown code fence (``` or ```json) unwrapped; nullopt when the
// fence is unclosed or text surrounds it. Exposed for other use cases'
// schemas.
std::optional<std::string_view> strip_json_fence(std::string_view model_output);

}  // namespace delta::llm
