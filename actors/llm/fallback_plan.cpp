#include "actors/llm/fallback_plan.hpp"

#include <algorithm>

namespace delta::llm {

std::vector<endpoint> build_chain(const endpoint& primary, const std::vector<endpoint>& fallbacks) {
  std::vector<endpoint> chain{primary};
  for (const auto& e : fallbacks)
    if (std::find(chain.begin(), chain.end(), e) == chain.end()) chain.push_back(e);
  return chain;
}

attempt_plan plan_attempts(const std::vector<endpoint>& chain, const admits_fn& admits) {
  attempt_plan plan;
  for (std::size_t i = 0; i < chain.size(); ++i)
    (admits(chain[i]) ? plan.attempts : plan.skipped).push_back(i);
  return plan;
}

fallback_walk::fallback_walk(std::vector<endpoint> chain) : chain_{std::move(chain)} {}

std::optional<std::size_t> fallback_walk::next(const admits_fn& admits) {
  while (auto i = candidate()) {
    if (admits(chain_[*i])) {
      admitted();
      return i;
    }
    refused();
  }
  return std::nullopt;
}

std::optional<std::size_t> fallback_walk::candidate() const {
  if (cursor_ >= chain_.size()) return std::nullopt;
  return cursor_;
}

void fallback_walk::admitted() {
  if (cursor_ >= chain_.size()) return;
  plan_.attempts.push_back(cursor_++);
}

void fallback_walk::refused() {
  if (cursor_ >= chain_.size()) return;
  plan_.skipped.push_back(cursor_++);
}

}  // namespace delta::llm
