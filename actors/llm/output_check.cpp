#include "actors/llm/output_check.hpp"

#include "actors/llm/decision_schema.hpp"
#include "actors/llm/untrusted_json.hpp"

#include <algorithm>
#include <cctype>

namespace delta::llm {

std::string_view to_string(output_rule r) {
  switch (r) {
    case output_rule::text: return "text";
    case output_rule::json_object: return "json_object";
    case output_rule::decision: return "decision";
  }
  return "unknown";
}

output_rule output_rule_for(use_case u, bool json_output) {
  if (u == use_case::signal_evaluate) return output_rule::decision;
  return json_output ? output_rule::json_object : output_rule::text;
}

namespace {

std::optional<std::string> check_json_object(std::string_view text) {
  auto inner = strip_json_fence(text);
  if (!inner) return "text around the JSON or an unclosed code fence";
  std::string why;
  auto value = untrusted_json::parse(*inner, &why);
  if (!value) return "not JSON: " + why;
  if (!value->is_object()) return "JSON, but not an object";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_output(output_rule rule, std::string_view text) {
  switch (rule) {
    case output_rule::text:
      if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); }))
        return "empty answer";
      return std::nullopt;
    case output_rule::json_object:
      return check_json_object(text);
    case output_rule::decision: {
      auto check = validate_decision(text);
      if (check.ok()) return std::nullopt;
      return check.reason;
    }
  }
  return "unknown output rule";
}

}  // namespace delta::llm
