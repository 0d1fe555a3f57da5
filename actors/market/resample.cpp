#include "actors/market/resample.hpp"

#include "core/timeframe.hpp"

#include <algorithm>

namespace delta::market {

std::vector<protocol::candle> resample(std::span<const protocol::candle> candles,
                                       std::int32_t timeframe_seconds) {
  std::vector<protocol::candle> bars;
  for (auto& c : candles) {
    auto start = core::bucket_start(c.ts, timeframe_seconds);
    if (bars.empty() || bars.back().ts != start) {
      bars.push_back({start, c.open, c.high, c.low, c.close, c.volume});
      continue;
    }
    auto& bar = bars.back();
    bar.high = std::max(bar.high, c.high);
    bar.low = std::min(bar.low, c.low);
    bar.close = c.close;
    bar.volume += c.volume;
  }
  return bars;
}

}  // namespace delta::market
