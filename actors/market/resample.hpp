#pragma once
// Resampling 1-minute candles to a higher timeframe, as the SQL of
// storage/candle_repository.cpp does it in PostgreSQL: aligned buckets (see
// timeframe.hpp), open = first, close = last, high = max, low = min,
// volume = sum. Used where candles come from a file or memory (backtests).

#include "protocol/market_data.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace delta::market {

// `candles` ascending by ts with distinct timestamps; returns one bar per
// non-empty bucket, ascending. Buckets without candles produce no bar.
std::vector<protocol::candle> resample(std::span<const protocol::candle> candles,
                                       std::int32_t timeframe_seconds);

}  // namespace delta::market
