// actors/market/indicator_report.hpp: series keep points from the range's
// first bar on, only where defined, with each indicator's values in place.
#include "actors/market/indicator_report.hpp"

#include "domain/market/indicator_spec.hpp"

#include <gtest/gtest.h>

using namespace delta::market;
using delta::protocol::candle;

namespace {

std::vector<candle> closes(std::initializer_list<double> values) {
  std::vector<candle> out;
  std::int64_t ts = 0;
  for (double v : values) out.push_back({ts += 60, v, v + 1, v - 1, v, 1});
  return out;
}

delta::protocol::indicator_spec spec(const char* text) {
  return parse_indicator_specs(text).specs.at(0);
}

}  // namespace

TEST(IndicatorReport, PointsStartAtTheRangeAndUseTheWarmUpBefore) {
  auto bars = closes({1, 2, 3, 4, 5});
  // SMA(3) is defined from bar 2; the range starts at bar 3.
  auto s = compute_series(spec("sma:3"), bars, 3);
  EXPECT_EQ(s.spec.key, "sma:3");
  ASSERT_EQ(s.points.size(), 2u);
  EXPECT_EQ(s.points[0].ts, bars[3].ts);
  EXPECT_DOUBLE_EQ(s.points[0].a, 3);
  EXPECT_DOUBLE_EQ(s.points[1].a, 4);
}

TEST(IndicatorReport, PointsExistOnlyWhereTheIndicatorIsDefined) {
  auto bars = closes({1, 2, 3, 4, 5});
  auto s = compute_series(spec("sma:3"), bars, 0);
  ASSERT_EQ(s.points.size(), 3u);
  EXPECT_EQ(s.points[0].ts, bars[2].ts);
  EXPECT_TRUE(compute_series(spec("sma:10"), bars, 0).points.empty());
}

TEST(IndicatorReport, MacdHasAPointWhereverTheMacdLineIsDefinedWithSignalAndHistogramNoneUntilDefined) {
  auto bars = closes({10, 11, 12, 13, 15, 14, 16});
  // MACD(2, 3) is defined from bar 2 (EMA(3)'s first value); the signal
  // EMA(2) of MACD needs two MACD values, so from bar 3.
  auto s = compute_series(spec("macd:2:3:2"), bars, 0);
  ASSERT_EQ(s.points.size(), 5u);
  EXPECT_EQ(s.points[0].ts, bars[2].ts);
  EXPECT_FALSE(s.points[0].b);  // signal not defined yet
  EXPECT_FALSE(s.points[0].c);  // nor the histogram
  EXPECT_EQ(s.points[1].ts, bars[3].ts);
  ASSERT_TRUE(s.points[1].b && s.points[1].c);
  EXPECT_NEAR(s.points[2].a, 2.0 / 3, 1e-12);               // macd
  EXPECT_NEAR(*s.points[2].b, 11.0 / 18, 1e-12);            // signal
  EXPECT_NEAR(*s.points[2].c, 2.0 / 3 - 11.0 / 18, 1e-12);  // histogram
  for (std::size_t i = 1; i < s.points.size(); ++i) EXPECT_TRUE(s.points[i].b && s.points[i].c) << i;
}

TEST(IndicatorReport, AMacdPointBeforeItsSignalIsKeptWithinTheRangeOnly) {
  auto bars = closes({10, 11, 12, 13, 15, 14, 16});
  // The range starts at bar 3: bar 2's signal-less point is warm-up.
  auto s = compute_series(spec("macd:2:3:2"), bars, 3);
  ASSERT_EQ(s.points.size(), 4u);
  EXPECT_EQ(s.points[0].ts, bars[3].ts);
  EXPECT_TRUE(s.points[0].b);
}

TEST(IndicatorReport, BollingerPointsAreUpperMiddleLowerAndAtrUsesHighAndLow) {
  auto bars = closes({2, 4, 6});
  auto b = compute_series(spec("bbands:3:2"), bars, 0);
  ASSERT_EQ(b.points.size(), 1u);  // all three lines are defined together
  ASSERT_TRUE(b.points[0].b && b.points[0].c);
  EXPECT_DOUBLE_EQ(*b.points[0].b, 4);
  EXPECT_GT(b.points[0].a, 4);
  EXPECT_LT(*b.points[0].c, 4);
  // True ranges from high and low: 3 - 1 = 2, then |high - previous close|
  // = 3 twice. ATR(2): (2 + 3) / 2 = 2.5, then (2.5 + 3) / 2 = 2.75.
  auto a = compute_series(spec("atr:2"), bars, 0);
  ASSERT_EQ(a.points.size(), 2u);
  EXPECT_DOUBLE_EQ(a.points[0].a, 2.5);
  EXPECT_DOUBLE_EQ(a.points[1].a, 2.75);
}

TEST(IndicatorReport, ComputesEverySpecInOrder) {
  auto all = compute_all(parse_indicator_specs("ema:2,rsi:2").specs, closes({1, 2, 3}), 0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].spec.key, "ema:2");
  EXPECT_EQ(all[1].spec.key, "rsi:2");
  ASSERT_EQ(all[1].points.size(), 1u);
  EXPECT_DOUBLE_EQ(all[1].points[0].a, 100);
}
