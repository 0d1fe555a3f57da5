// actors/market/bar_plan.hpp: which 1m rows a range of bars reads, and how
// the warm-up and the range are joined for indicators.
#include "actors/market/bar_plan.hpp"

#include <gtest/gtest.h>

using namespace delta::market;
using delta::protocol::bar_range;
using delta::protocol::candle;

namespace {

const std::int64_t ten = 1795341600;  // 2026-11-22T10:00:00Z

bar_range five_minutes(std::optional<std::int64_t> from, std::optional<std::int64_t> to, int limit) {
  bar_range r;
  r.timeframe_seconds = 300;
  if (from) r.from = *from;
  if (to) r.to = *to;
  r.limit = limit;
  return r;
}

std::vector<candle> bars_at(std::initializer_list<std::int64_t> starts) {
  std::vector<candle> out;
  for (auto ts : starts) out.push_back({ts, 1, 1, 1, 1, 1});
  return out;
}

}  // namespace

TEST(BarPlan, WithFromTheFirstBarsStartingInsideTheRangeAreRead) {
  // from 10:01 -> the first whole bucket is 10:05; to 10:07 -> rows up to 10:10.
  auto f = price_fetch(five_minutes(ten + 60, ten + 420, 20));
  EXPECT_EQ(f.rows_from, ten + 300);
  EXPECT_EQ(f.rows_until, ten + 600);
  EXPECT_EQ(f.count, 20);
  EXPECT_FALSE(f.newest);
  EXPECT_EQ(f.timeframe_seconds, 300);
}

TEST(BarPlan, WithoutFromTheLatestBarsUpToToAreRead) {
  auto f = price_fetch(five_minutes(std::nullopt, ten, 50));
  EXPECT_FALSE(f.rows_from);
  EXPECT_EQ(f.rows_until, ten + 300);
  EXPECT_TRUE(f.newest);
  auto open = price_fetch(five_minutes(std::nullopt, std::nullopt, 50));
  EXPECT_FALSE(open.rows_until);
}

TEST(BarPlan, AnOffsetSkipsBarsFromTheFirstWithFromAndFromTheNewestWithout) {
  auto first = price_fetch(five_minutes(ten, std::nullopt, 20), 40);
  EXPECT_EQ(first.skip, 40);
  EXPECT_FALSE(first.newest);
  auto latest = price_fetch(five_minutes(std::nullopt, ten, 20), 40);
  EXPECT_EQ(latest.skip, 40);
  EXPECT_TRUE(latest.newest);
  EXPECT_EQ(price_fetch(five_minutes(ten, std::nullopt, 20)).skip, 0);
  // indicators never skip: their warm-up is the bars before the range
  for (auto& f : indicator_fetches(five_minutes(ten, ten + 3600, 5), 30)) EXPECT_EQ(f.skip, 0);
}

TEST(BarPlan, IndicatorsWithoutFromReadTheLatestLimitPlusWarmUpBars) {
  auto range = five_minutes(std::nullopt, ten, 3);
  auto fetches = indicator_fetches(range, 10);
  ASSERT_EQ(fetches.size(), 1u);
  EXPECT_EQ(fetches[0].count, 13);
  EXPECT_TRUE(fetches[0].newest);
  // Thirteen bars came: the last three are the points.
  auto in = assemble(range, {bars_at({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})});
  EXPECT_EQ(in.bars.size(), 13u);
  EXPECT_EQ(in.first_point, 10u);
  // Fewer than the limit: all are points.
  EXPECT_EQ(assemble(range, {bars_at({1, 2})}).first_point, 0u);
}

TEST(BarPlan, IndicatorsWithFromReadTheWarmUpBeforeItThenTheRange) {
  auto range = five_minutes(ten + 60, std::nullopt, 3);
  auto fetches = indicator_fetches(range, 10);
  ASSERT_EQ(fetches.size(), 2u);
  EXPECT_FALSE(fetches[0].rows_from);
  EXPECT_EQ(fetches[0].rows_until, ten + 300);  // before the range's first bucket
  EXPECT_EQ(fetches[0].count, 10);
  EXPECT_TRUE(fetches[0].newest);
  EXPECT_EQ(fetches[1].rows_from, ten + 300);
  EXPECT_EQ(fetches[1].count, 3);
  EXPECT_FALSE(fetches[1].newest);
  auto in = assemble(range, {bars_at({ten - 600, ten - 300, ten}), bars_at({ten + 300, ten + 600})});
  ASSERT_EQ(in.bars.size(), 5u);
  EXPECT_EQ(in.first_point, 3u);
  EXPECT_EQ(in.bars[3].ts, ten + 300);
}
