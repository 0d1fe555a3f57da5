// actors/jobs/backtest.hpp (indicators: actors/market, tested there): the
// two strategies' entries and exits, the result figures (trades, compounded
// return, max drawdown, win rate), parameter checks and payload parsing.
#include "actors/jobs/backtest.hpp"

#include <gtest/gtest.h>

using namespace delta::jobs;

namespace {

std::vector<candle> candles_of(const std::vector<double>& closes) {
  std::vector<candle> out;
  for (double c : closes) out.push_back({"", c, c, c, c, 1});
  return out;
}

}  // namespace

TEST(SmaCrossBacktest, BuysTheCrossAboveAndSellsTheCrossBelow) {
  // fast=1 (the close itself) vs slow=2: down, then up (cross above at 11), then down (cross below at 10.5).
  auto r = run_backtest(candles_of({12, 10, 11, 12, 10.5, 10}), sma_cross{1, 2});
  EXPECT_EQ(r.trades, 1);
  EXPECT_NEAR(r.total_return, 10.5 / 11 - 1, 1e-12);
  EXPECT_DOUBLE_EQ(r.win_rate, 0.0);
  // equity peaked at 12/11 and fell to 10.5/11
  EXPECT_NEAR(r.max_drawdown, 1 - 10.5 / 12, 1e-12);
}

TEST(SmaCrossBacktest, NoCrossMeansNoTradeEvenWhenFastStartsAboveSlow) {
  auto r = run_backtest(candles_of({1, 2, 3, 4, 5, 6}), sma_cross{1, 2});
  EXPECT_EQ(r.trades, 0);
  EXPECT_DOUBLE_EQ(r.total_return, 0.0);
  EXPECT_DOUBLE_EQ(r.max_drawdown, 0.0);
  EXPECT_DOUBLE_EQ(r.win_rate, 0.0);
}

TEST(SmaCrossBacktest, APositionStillOpenAtTheEndIsClosedAtTheLastClose) {
  auto r = run_backtest(candles_of({10, 9, 10, 12, 15}), sma_cross{1, 2});
  EXPECT_EQ(r.trades, 1);
  EXPECT_NEAR(r.total_return, 15.0 / 10 - 1, 1e-12);
  EXPECT_DOUBLE_EQ(r.win_rate, 1.0);
}

TEST(RsiReversionBacktest, BuysBelowLowerSellsAboveUpperAndCompoundsTrades) {
  // RSI(1) is 0 after a fall and 100 after a rise.
  auto r = run_backtest(candles_of({10, 8, 12, 10, 11, 9}), rsi_reversion{1, 30, 70});
  // buy 8 sell 12 (+50 %), buy 10 sell 11 (+10 %), buy at 9 on the last bar: not a trade
  EXPECT_EQ(r.trades, 2);
  EXPECT_NEAR(r.total_return, 1.5 * 1.1 - 1, 1e-12);
  EXPECT_DOUBLE_EQ(r.win_rate, 1.0);
  // equity only rises: 1 -> 1.5 (flat) -> 1.65
  EXPECT_DOUBLE_EQ(r.max_drawdown, 0.0);
}

TEST(RsiReversionBacktest, DrawdownIsMeasuredOnEquityMarkedToMarketWhileHolding) {
  auto r = run_backtest(candles_of({10, 8, 6, 4, 12}), rsi_reversion{1, 30, 70});
  // buy at 8, marked at 6 and 4 (-50 %), sold at 12
  EXPECT_EQ(r.trades, 1);
  EXPECT_NEAR(r.max_drawdown, 0.5, 1e-12);
  EXPECT_NEAR(r.total_return, 0.5, 1e-12);
}

TEST(BacktestParameters, RefusesUnusableStrategies) {
  EXPECT_TRUE(check(sma_cross{30, 10}));
  EXPECT_TRUE(check(sma_cross{10, 10}));
  EXPECT_TRUE(check(sma_cross{0, 10}));
  EXPECT_FALSE(check(sma_cross{10, 30}));
  EXPECT_TRUE(check(rsi_reversion{0, 30, 70}));
  EXPECT_TRUE(check(rsi_reversion{14, 70, 30}));
  EXPECT_TRUE(check(rsi_reversion{14, -1, 70}));
  EXPECT_TRUE(check(rsi_reversion{14, 30, 101}));
  EXPECT_FALSE(check(rsi_reversion{14, 30, 70}));
}

TEST(BacktestPayload, ReadsTheStrategyAndTheCandlesInOrder) {
  std::string error;
  auto in = parse_backtest_payload(
      R"({"ticker":"AAPL","strategy":{"type":"rsi_reversion","period":14,"lower":25,"upper":75.5},
          "candles":[{"ts":"2026-11-22T10:00:00Z","open":1,"high":2,"low":0.5,"close":1.5,"volume":100},
                     {"ts":"2026-11-22T10:01:00Z","open":1.5,"high":2,"low":1,"close":2,"volume":10}]})",
      error);
  ASSERT_TRUE(in) << error;
  auto& s = std::get<rsi_reversion>(in->how);
  EXPECT_EQ(s.period, 14);
  EXPECT_DOUBLE_EQ(s.lower, 25);
  EXPECT_DOUBLE_EQ(s.upper, 75.5);
  ASSERT_EQ(in->candles.size(), 2u);
  EXPECT_EQ(in->candles[0].ts, "2026-11-22T10:00:00Z");
  EXPECT_DOUBLE_EQ(in->candles[1].close, 2.0);
}

TEST(BacktestPayload, RefusesMalformedOrInvalidPayloadsWithAReason) {
  for (auto bad : {R"(not json)", R"([])", R"({"candles":[]})",
                   R"({"strategy":{"type":"macd"},"candles":[]})",
                   R"({"strategy":{"type":"sma_cross","fast":30,"slow":10},"candles":[]})",
                   R"({"strategy":{"type":"sma_cross","fast":1.5,"slow":10},"candles":[]})",
                   R"({"strategy":{"type":"sma_cross"},"candles":[{"close":0}]})",
                   R"({"strategy":{"type":"sma_cross"},"candles":[{"open":1}]})",
                   R"({"strategy":{"type":"sma_cross"},"candles":[{"close":"1"}]})"}) {
    std::string error;
    EXPECT_FALSE(parse_backtest_payload(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(BacktestResult, SerialisesTheFourFiguresOfTheApi) {
  EXPECT_EQ(to_json({3, 0.5, 0.25, 0.75}),
            R"({"trades":3,"total_return":5E-1,"max_drawdown":2.5E-1,"win_rate":7.5E-1})");
}
