#pragma once
// Which 1-minute rows to read for a range of bars, and how to put the
// answers together. Reading is bounded by rows, not by time: a bucket holds
// at most timeframe/1m rows, so the latest (or first) count x that many rows
// cover the latest (or first) `count` buckets completely, however sparse the
// history (nights, weekends) is. storage::candles::bars() runs one fetch.

#include "protocol/market_data.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace delta::market {

struct bar_fetch {
  std::int32_t timeframe_seconds = 60;
  std::optional<std::int64_t> rows_from;   // 1m rows with ts >= this (inclusive)
  std::optional<std::int64_t> rows_until;  // and ts < this (exclusive)
  std::int64_t count = 0;                  // bars wanted
  bool newest = false;                     // the latest `count` bars, else the first
  std::int64_t skip = 0;                   // bars passed over first (the latest ones with `newest`)
};

// The bars of `range` (see protocol::bar_range), after skipping `offset`
// of them: from the range's start when it has `from`, else from its end
// (so successive pages of a range without `from` go back in time).
bar_fetch price_fetch(const protocol::bar_range& range, std::int64_t offset = 0);

// The bars of `range` plus up to `warmup` bars before them: one fetch
// without `from` (the latest limit + warmup bars), two with it (warm-up
// before `from`, then the range).
std::vector<bar_fetch> indicator_fetches(const protocol::bar_range& range, int warmup);

struct indicator_input {
  std::vector<protocol::candle> bars;  // warm-up, then the range; ascending
  std::size_t first_point = 0;         // index of the range's first bar
};

// Joins the answers of indicator_fetches() (each ascending, in fetch order).
indicator_input assemble(const protocol::bar_range& range,
                         std::vector<std::vector<protocol::candle>> answers);

}  // namespace delta::market
