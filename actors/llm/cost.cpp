#include "actors/llm/cost.hpp"

#include <algorithm>
#include <cmath>

namespace delta::llm {

bool price_table::set(std::string_view provider, std::string_view model, model_price price) {
  auto ok = [](double p) { return std::isfinite(p) && p >= 0.0; };
  if (!ok(price.input_per_million) || !ok(price.output_per_million)) return false;
  prices_[{std::string{provider}, std::string{model}}] = price;
  return true;
}

std::optional<model_price> price_table::find(std::string_view provider, std::string_view model) const {
  // A std::pair of strings has no heterogeneous comparison with a pair of
  // views, so build the key; the table is small and calls are not hot enough
  // for the allocation to matter next to an HTTP round trip.
  auto it = prices_.find(std::pair{std::string{provider}, std::string{model}});
  if (it == prices_.end()) return std::nullopt;
  return it->second;
}

call_cost price_table::cost_of(std::string_view provider, std::string_view model,
                               std::int64_t prompt_tokens, std::int64_t completion_tokens) const {
  auto price = find(provider, model);
  if (!price) return {};
  auto in = static_cast<double>(std::max<std::int64_t>(prompt_tokens, 0));
  auto out = static_cast<double>(std::max<std::int64_t>(completion_tokens, 0));
  return {(in * price->input_per_million + out * price->output_per_million) / 1e6, true};
}

}  // namespace delta::llm
