#pragma once
// Structured output: what a use case's answer must look like before the
// gateway hands it to the caller. Output that fails counts as that call's
// failure (kind invalid_output, so the chain may fall back), never as a result.
//
//   signal_evaluate        the decision schema (decision_schema.hpp)
//   other JSON use cases   exactly one JSON object (one ```json fence allowed)
//   text use cases         non-blank text

#include "actors/llm/use_case.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace delta::llm {

enum class output_rule { text, json_object, decision };

std::string_view to_string(output_rule r);

// signal_evaluate always validates decisions; other use cases want a JSON
// object exactly when their routing row asks for JSON output.
output_rule output_rule_for(use_case u, bool json_output);

// nullopt when `text` passes; otherwise why not (for logs and llm_calls).
std::optional<std::string> check_output(output_rule rule, std::string_view text);

}  // namespace delta::llm
