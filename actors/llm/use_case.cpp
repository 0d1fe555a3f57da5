#include "actors/llm/use_case.hpp"

namespace delta::llm {

std::string_view to_string(use_case u) {
  switch (u) {
    case use_case::explain: return "explain";
    case use_case::cohort_match: return "cohort_match";
    case use_case::report_chat: return "report_chat";
    case use_case::deep_research: return "deep_research";
    case use_case::signal_classify: return "signal_classify";
    case use_case::report_generate: return "report_generate";
    case use_case::signal_evaluate: return "signal_evaluate";
  }
  return "unknown";
}

std::optional<use_case> parse_use_case(std::string_view name) {
  for (auto u : all_use_cases)
    if (to_string(u) == name) return u;
  return std::nullopt;
}

}  // namespace delta::llm
