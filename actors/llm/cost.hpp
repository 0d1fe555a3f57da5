#pragma once
// The cost of one call from a price table: USD per million input (prompt)
// and per million output (completion) tokens, per provider + model. Filled
// from config or the database by the gateway; looked up on every call.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace delta::llm {

struct model_price {
  double input_per_million = 0.0;   // USD
  double output_per_million = 0.0;  // USD
};

struct call_cost {
  double usd = 0.0;
  // False when the table has no price for the model: usd is then 0 and the
  // call should be flagged (a metric label, a log line) so a missing price
  // does not pass as a free call. Local models priced at 0 are priced.
  bool priced = false;
};

class price_table {
 public:
  // Replaces any earlier price; negative or non-finite prices are refused
  // (false) so a typo cannot make calls earn money.
  bool set(std::string_view provider, std::string_view model, model_price price);

  std::optional<model_price> find(std::string_view provider, std::string_view model) const;

  // Negative token counts count as 0.
  call_cost cost_of(std::string_view provider, std::string_view model, std::int64_t prompt_tokens,
                    std::int64_t completion_tokens) const;

  std::size_t size() const { return prices_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, model_price, std::less<>> prices_;
};

}  // namespace delta::llm
