#pragma once
// The use cases the gateway routes: each has one routing row and an ordered
// fallback chain (llm_model_routing, llm_fallback_chain). The set is closed:
// an unknown name in a URL or a table is a validation error, not a new route.

#include <array>
#include <optional>
#include <string_view>

namespace delta::llm {

enum class use_case {
  explain,
  cohort_match,
  report_chat,
  deep_research,
  signal_classify,
  report_generate,
  signal_evaluate,
};

inline constexpr std::array all_use_cases{
    use_case::explain,         use_case::cohort_match,    use_case::report_chat,
    use_case::deep_research,   use_case::signal_classify, use_case::report_generate,
    use_case::signal_evaluate,
};

// The snake_case name used in URLs, tables, metrics labels and logs.
std::string_view to_string(use_case u);
// Exact, case-sensitive match of to_string(); nullopt for anything else.
std::optional<use_case> parse_use_case(std::string_view name);

}  // namespace delta::llm
