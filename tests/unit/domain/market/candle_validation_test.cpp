// domain/market/candle_validation.hpp: API.md's rules for ingested candles.
#include "domain/market/candle_validation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <variant>

using namespace delta::market;
using delta::protocol::candle;

namespace {

const std::int64_t ten = 1795341600;  // 2026-11-22T10:00:00Z

candle good(std::int64_t ts = ten) { return {ts, 100, 101, 99, 100.5, 1200}; }

std::vector<std::string> fields(const std::vector<field_problem>& problems) {
  std::vector<std::string> out;
  for (auto& p : problems) out.push_back(p.field);
  return out;
}

using names = std::vector<std::string>;

}  // namespace

TEST(CandleValidation, AcceptsAConsistentCandle) {
  EXPECT_TRUE(candle_problems(good(), 60, "").empty());
  // Boundaries are inclusive: high == max(open, close), low == min(open, close), volume 0.
  EXPECT_TRUE(candle_problems({ten, 100, 100, 100, 100, 0}, 60, "").empty());
  // Negative prices exist (spreads, oil futures in April 2020) and are allowed.
  EXPECT_TRUE(candle_problems({ten, -37, -36, -40, -38, 5}, 60, "").empty());
}

TEST(CandleValidation, HighMustReachTheOpenAndTheClose) {
  EXPECT_EQ(fields(candle_problems({ten, 100, 99.5, 99, 99.2, 1}, 60, "")), names{"high"});
  EXPECT_EQ(fields(candle_problems({ten, 99, 100, 98, 100.5, 1}, 60, "")), names{"high"});
}

TEST(CandleValidation, LowMustReachTheOpenAndTheClose) {
  EXPECT_EQ(fields(candle_problems({ten, 100, 101, 100.5, 100.7, 1}, 60, "")), names{"low"});
  EXPECT_EQ(fields(candle_problems({ten, 100, 101, 99.5, 99, 1}, 60, "")), names{"low"});
}

TEST(CandleValidation, VolumeMustNotBeNegativeAndNumbersMustBeFinite) {
  EXPECT_EQ(fields(candle_problems({ten, 100, 101, 99, 100, -1}, 60, "x.")), names{"x.volume"});
  auto nan = std::nan("");
  EXPECT_EQ(fields(candle_problems({ten, nan, 101, 99, 100, INFINITY}, 60, "")),
            (names{"open", "volume"}));
}

TEST(CandleValidation, TimestampsMustBeAlignedToTheTimeframe) {
  EXPECT_EQ(fields(candle_problems(good(ten + 30), 60, "")), names{"ts"});
  EXPECT_EQ(fields(candle_problems(good(ten + 60), 300, "")), names{"ts"});
  EXPECT_TRUE(candle_problems(good(ten + 300), 300, "").empty());
}

TEST(CandleValidation, ParsesBarTimestampsAndSaysWhatIsWrong) {
  EXPECT_EQ(std::get<std::int64_t>(parse_bar_ts("2026-11-22T10:00:00Z", 60)), ten);
  EXPECT_EQ(std::get<std::int64_t>(parse_bar_ts("2026-11-22T11:00:00+01:00", 60)), ten);
  auto problem = [](const char* text) { return std::get<std::string>(parse_bar_ts(text, 60)); };
  EXPECT_NE(problem("yesterday").find("RFC 3339"), std::string::npos);
  EXPECT_NE(problem("2026-11-22T10:00:30Z").find("aligned"), std::string::npos);
  EXPECT_NE(problem("2026-11-22T10:00:00.5Z").find("aligned"), std::string::npos);
  EXPECT_NE(problem("1969-12-31T23:59:00Z").find("between"), std::string::npos);
}

TEST(CandleValidation, ABatchNamesEachBadCandleByIndexAndRefusesRepeatedTimestamps) {
  std::vector<candle> batch{good(ten), good(ten + 60), {ten + 120, 100, 99, 98, 99.5, 1}, good(ten)};
  auto problems = batch_problems(batch, 60);
  EXPECT_EQ(fields(problems), (names{"candles[2].high", "candles[3].ts"}));
  EXPECT_EQ(problems[1].problem, "repeats candles[0].ts");
}

TEST(CandleValidation, ABatchHoldsOneToTenThousandCandles) {
  EXPECT_EQ(fields(batch_problems({}, 60)), names{"candles"});
  std::vector<candle> many;
  for (std::int64_t i = 0; i < 10001; ++i) many.push_back(good(ten + 60 * i));
  EXPECT_EQ(fields(batch_problems(many, 60)), names{"candles"});
  many.pop_back();
  EXPECT_TRUE(batch_problems(many, 60).empty());
}

TEST(CandleValidation, ABatchOfManyBadCandlesNamesTheFirstHundredAndSaysThereAreMore) {
  std::vector<candle> bad;
  for (std::int64_t i = 0; i < 500; ++i) bad.push_back({ten + 60 * i, 100, 101, 99, 100, -1});
  auto problems = batch_problems(bad, 60);
  ASSERT_EQ(problems.size(), max_reported_problems + 1);
  EXPECT_EQ(problems.front().field, "candles[0].volume");
  EXPECT_EQ(problems.back().field, "candles");
}
