#pragma once
// Timeframes of the market API and the bucket arithmetic of resampling.
// Buckets are aligned to the Unix epoch, which is midnight UTC, and every
// timeframe divides a day, so a 4h bucket starts at 00, 04, ... 20 UTC and a
// 1d bucket at midnight UTC. The SQL in storage/candle_repository.cpp uses
// the same origin (date_bin from the epoch).

#include <cstdint>
#include <optional>
#include <string_view>

namespace delta::core {

struct timeframe {
  std::string_view name;  // "1m", "5m", "15m", "1h", "4h", "1d"
  std::int32_t seconds = 60;
};

inline constexpr std::string_view timeframe_names = "1m, 5m, 15m, 1h, 4h, 1d";

std::optional<timeframe> parse_timeframe(std::string_view text);
std::optional<timeframe> timeframe_of_seconds(std::int32_t seconds);

// Start of the bucket holding `ts` (floor, also for times before 1970).
std::int64_t bucket_start(std::int64_t ts, std::int32_t seconds);

bool aligned(std::int64_t ts, std::int32_t seconds);

// The first bucket start at or after `ts`.
std::int64_t first_bucket_from(std::int64_t ts, std::int32_t seconds);

// The end (exclusive) of the 1-minute rows of the buckets starting at or
// before `ts`: the bucket holding `ts` is included whole.
std::int64_t rows_end_through(std::int64_t ts, std::int32_t seconds);

}  // namespace delta::core
