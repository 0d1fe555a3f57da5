// core/timeframe.hpp and resample.hpp: names, aligned buckets from
// the epoch (midnight UTC) and resampling across bucket boundaries.
#include "actors/market/resample.hpp"
#include "core/timeframe.hpp"
#include "core/rfc3339.hpp"

#include <gtest/gtest.h>

using namespace delta::core;
using namespace delta::market;
using delta::protocol::candle;

namespace {

std::int64_t at(const char* text) { return parse_rfc3339(text)->seconds; }

candle one(const char* ts, double open, double high, double low, double close, double volume) {
  return {at(ts), open, high, low, close, volume};
}

void expect_bar(const candle& bar, const char* ts, double open, double high, double low,
                double close, double volume) {
  EXPECT_EQ(format_rfc3339(bar.ts), ts);
  EXPECT_EQ(bar.open, open) << ts;
  EXPECT_EQ(bar.high, high) << ts;
  EXPECT_EQ(bar.low, low) << ts;
  EXPECT_EQ(bar.close, close) << ts;
  EXPECT_EQ(bar.volume, volume) << ts;
}

}  // namespace

TEST(Timeframe, ParsesTheSixNamesOfTheApiAndNothingElse) {
  EXPECT_EQ(parse_timeframe("1m")->seconds, 60);
  EXPECT_EQ(parse_timeframe("5m")->seconds, 300);
  EXPECT_EQ(parse_timeframe("15m")->seconds, 900);
  EXPECT_EQ(parse_timeframe("1h")->seconds, 3600);
  EXPECT_EQ(parse_timeframe("4h")->seconds, 14400);
  EXPECT_EQ(parse_timeframe("1d")->seconds, 86400);
  for (auto bad : {"", "1M", "2m", "60", "1w", "1 m", "1mm", "h"})
    EXPECT_FALSE(parse_timeframe(bad)) << bad;
  EXPECT_EQ(timeframe_of_seconds(14400)->name, "4h");
  EXPECT_FALSE(timeframe_of_seconds(120));
}

TEST(Timeframe, BucketsStartOnMultiplesOfTheTimeframeFromMidnightUtc) {
  EXPECT_EQ(bucket_start(at("2026-11-22T10:04:00Z"), 300), at("2026-11-22T10:00:00Z"));
  EXPECT_EQ(bucket_start(at("2026-11-22T10:05:00Z"), 300), at("2026-11-22T10:05:00Z"));
  EXPECT_EQ(bucket_start(at("2026-11-22T03:59:00Z"), 14400), at("2026-11-22T00:00:00Z"));
  EXPECT_EQ(bucket_start(at("2026-11-22T04:00:00Z"), 14400), at("2026-11-22T04:00:00Z"));
  EXPECT_EQ(bucket_start(at("2026-11-22T23:59:00Z"), 86400), at("2026-11-22T00:00:00Z"));
  EXPECT_EQ(bucket_start(-1, 60), -60);  // floor, not truncation, before 1970
}

TEST(Timeframe, RangeBoundsIncludeWholeBucketsOnly) {
  // The first bucket at or after a bound that falls inside a bucket is the next one.
  EXPECT_EQ(first_bucket_from(at("2026-11-22T10:01:00Z"), 300), at("2026-11-22T10:05:00Z"));
  EXPECT_EQ(first_bucket_from(at("2026-11-22T10:05:00Z"), 300), at("2026-11-22T10:05:00Z"));
  // A bucket starting at or before `to` is read whole: its rows end with it.
  EXPECT_EQ(rows_end_through(at("2026-11-22T10:05:00Z"), 300), at("2026-11-22T10:10:00Z"));
  EXPECT_EQ(rows_end_through(at("2026-11-22T10:09:59Z"), 300), at("2026-11-22T10:10:00Z"));
  EXPECT_TRUE(aligned(at("2026-11-22T10:05:00Z"), 300));
  EXPECT_FALSE(aligned(at("2026-11-22T10:06:00Z"), 300));
}

TEST(Resample, FiveMinuteBarsSplitAtTheBucketBoundary) {
  std::vector<candle> minutes{one("2026-11-22T09:59:00Z", 10, 11, 9, 10.5, 1),
                              one("2026-11-22T10:00:00Z", 10.5, 12, 10, 11, 2),
                              one("2026-11-22T10:02:00Z", 11, 11.5, 8, 9, 3),
                              one("2026-11-22T10:04:00Z", 9, 10, 8.5, 9.5, 4),
                              one("2026-11-22T10:05:00Z", 9.5, 9.75, 9.25, 9.5, 5)};
  auto bars = resample(minutes, 300);
  ASSERT_EQ(bars.size(), 3u);
  expect_bar(bars[0], "2026-11-22T09:55:00Z", 10, 11, 9, 10.5, 1);
  // open = first (10:00), close = last (10:04), high = max, low = min, volume = sum.
  expect_bar(bars[1], "2026-11-22T10:00:00Z", 10.5, 12, 8, 9.5, 9);
  expect_bar(bars[2], "2026-11-22T10:05:00Z", 9.5, 9.75, 9.25, 9.5, 5);
}

TEST(Resample, DailyBarsSplitAtMidnightUtcAndFourHourBarsAtFour) {
  std::vector<candle> minutes{one("2026-11-22T03:59:00Z", 1, 2, 1, 2, 1),
                              one("2026-11-22T04:00:00Z", 2, 3, 2, 3, 1),
                              one("2026-11-22T23:59:00Z", 3, 4, 3, 4, 1),
                              one("2026-11-23T00:00:00Z", 4, 5, 4, 5, 1)};
  auto daily = resample(minutes, 86400);
  ASSERT_EQ(daily.size(), 2u);
  expect_bar(daily[0], "2026-11-22T00:00:00Z", 1, 4, 1, 4, 3);
  expect_bar(daily[1], "2026-11-23T00:00:00Z", 4, 5, 4, 5, 1);
  auto four = resample(minutes, 14400);
  ASSERT_EQ(four.size(), 4u);
  EXPECT_EQ(format_rfc3339(four[0].ts), "2026-11-22T00:00:00Z");
  EXPECT_EQ(format_rfc3339(four[1].ts), "2026-11-22T04:00:00Z");
  EXPECT_EQ(format_rfc3339(four[2].ts), "2026-11-22T20:00:00Z");
  EXPECT_EQ(format_rfc3339(four[3].ts), "2026-11-23T00:00:00Z");
}

TEST(Resample, EmptyBucketsMakeNoBarAndOneMinuteIsTheIdentity) {
  std::vector<candle> minutes{one("2026-11-22T10:00:00Z", 1, 2, 1, 2, 1),
                              one("2026-11-22T11:30:00Z", 2, 3, 2, 3, 1)};
  EXPECT_EQ(resample(minutes, 900).size(), 2u);
  auto same = resample(minutes, 60);
  ASSERT_EQ(same.size(), 2u);
  expect_bar(same[1], "2026-11-22T11:30:00Z", 2, 3, 2, 3, 1);
  EXPECT_TRUE(resample(std::vector<candle>{}, 300).empty());
}
