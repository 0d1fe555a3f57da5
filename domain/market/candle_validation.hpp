#pragma once
// The rules of POST /api/v2/market/candles (API.md "Market"): high >=
// max(open, close), low <= min(open, close), volume >= 0, finite numbers,
// `ts` aligned to the timeframe, no timestamp twice in one batch, and a
// bounded batch. Problems name the candle by index: candles[3].high.

#include "protocol/market_data.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace delta::market {

// Bounded so that one upsert is one statement of bounded size and time;
// 10,000 candles are about 1 MB of JSON, the default body limit.
inline constexpr std::size_t max_batch_candles = 10000;

// A batch of bad candles names this many problems at most (and says so).
inline constexpr std::size_t max_reported_problems = 100;

struct field_problem {
  std::string field;
  std::string problem;
};

// An RFC 3339 timestamp of a bar of `timeframe_seconds`: seconds since the
// epoch, or the problem with it (not a timestamp, outside 1970..9999, not
// aligned to the timeframe).
std::variant<std::int64_t, std::string> parse_bar_ts(std::string_view text,
                                                     std::int32_t timeframe_seconds);

// Problems of one candle; `prefix` is prepended to the field names.
std::vector<field_problem> candle_problems(const protocol::candle& c,
                                           std::int32_t timeframe_seconds,
                                           const std::string& prefix);

// Problems of a whole batch (sizes, every candle, repeated timestamps).
std::vector<field_problem> batch_problems(const std::vector<protocol::candle>& candles,
                                          std::int32_t timeframe_seconds);

// Keeps the first max_reported_problems and adds one saying there are more.
void cap_problems(std::vector<field_problem>& problems);

// "candles[3]."
std::string candle_prefix(std::size_t index);

}  // namespace delta::market
