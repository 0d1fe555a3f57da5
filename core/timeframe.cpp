#include "core/timeframe.hpp"

#include <array>

namespace delta::core {

namespace {

constexpr std::array<timeframe, 6> all{{{"1m", 60},
                                        {"5m", 300},
                                        {"15m", 900},
                                        {"1h", 3600},
                                        {"4h", 14400},
                                        {"1d", 86400}}};

}  // namespace

std::optional<timeframe> parse_timeframe(std::string_view text) {
  for (auto& tf : all)
    if (tf.name == text) return tf;
  return std::nullopt;
}

std::optional<timeframe> timeframe_of_seconds(std::int32_t seconds) {
  for (auto& tf : all)
    if (tf.seconds == seconds) return tf;
  return std::nullopt;
}

std::int64_t bucket_start(std::int64_t ts, std::int32_t seconds) {
  auto r = ts % seconds;
  return r < 0 ? ts - r - seconds : ts - r;
}

bool aligned(std::int64_t ts, std::int32_t seconds) { return ts % seconds == 0; }

std::int64_t first_bucket_from(std::int64_t ts, std::int32_t seconds) {
  auto start = bucket_start(ts, seconds);
  return start == ts ? ts : start + seconds;
}

std::int64_t rows_end_through(std::int64_t ts, std::int32_t seconds) {
  return bucket_start(ts, seconds) + seconds;
}

}  // namespace delta::core
