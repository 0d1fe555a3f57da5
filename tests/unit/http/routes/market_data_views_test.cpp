// http/routes/market_data_views.hpp: the JSON of the market data routes.
#include "http/routes/market_data_views.hpp"

#include "domain/market/indicator_spec.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cmath>

using namespace delta::http;
using namespace delta::protocol;

TEST(MarketDataViews, UpsertCounts) {
  EXPECT_EQ(upsert_counts_json({3, 2}), R"({"inserted":3,"updated":2})");
}

TEST(MarketDataViews, CandlesHaveRfc3339TimesAndShortestNumbers) {
  EXPECT_EQ(candles_json({{1795341600, 100, 101.5, 99.25, 0.1, 1200}}),
            R"([{"ts":"2026-11-22T10:00:00Z","open":100,"high":101.5,"low":99.25,"close":0.1,"volume":1200}])");
  EXPECT_EQ(candles_json({}), "[]");
}

TEST(MarketDataViews, IndicatorSeriesAreKeyedBySpecWithTheirValueNames) {
  auto specs = delta::market::parse_indicator_specs("ema:20,macd:12:26:9,bbands:20:2").specs;
  indicator_report report;
  report.series = {{specs[0], {{1795341600, 1.5, caf::none, caf::none}}},
                   {specs[1], {{1795341600, 0.5, 0.25, 0.25}}},
                   {specs[2], {{1795341600, 3, 2.0, 1.0}, {1795341660, 3, 2.0, double{NAN}}}}};
  auto text = indicators_json("BTC-USD", "1h", report);
  auto v = boost::json::parse(text).as_object();
  EXPECT_EQ(v["ticker"], "BTC-USD");
  EXPECT_EQ(v["timeframe"], "1h");
  auto& series = v["series"].as_object();
  EXPECT_NE(text.find(R"("ema:20":[{"ts":"2026-11-22T10:00:00Z","value":1.5}])"), std::string::npos);
  EXPECT_NE(text.find(R"("macd:12:26:9":[{"ts":"2026-11-22T10:00:00Z","macd":0.5,"signal":0.25,"histogram":0.25}])"),
            std::string::npos);
  EXPECT_EQ(series["bbands:20:2"].as_array().size(), 2u);
  // JSON has no NaN: a value that is not finite is null.
  EXPECT_NE(text.find(R"({"ts":"2026-11-22T10:01:00Z","upper":3,"middle":2,"lower":null})"), std::string::npos);
}

TEST(MarketDataViews, AMacdPointBeforeItsSignalHasNullSignalAndHistogram) {
  auto specs = delta::market::parse_indicator_specs("macd:12:26:9").specs;
  indicator_report report;
  report.series = {{specs[0], {{1795341600, 0.5, caf::none, caf::none}, {1795341660, 0.75, 0.5, 0.25}}}};
  auto text = indicators_json("BTC-USD", "1m", report);
  EXPECT_NE(text.find(R"([{"ts":"2026-11-22T10:00:00Z","macd":0.5,"signal":null,"histogram":null},)"
                      R"({"ts":"2026-11-22T10:01:00Z","macd":0.75,"signal":0.5,"histogram":0.25}])"),
            std::string::npos)
      << text;
}

TEST(MarketDataViews, AnEmptyReportHasAnEmptySeriesObject) {
  EXPECT_EQ(indicators_json("AAPL", "1m", {}), R"({"ticker":"AAPL","timeframe":"1m","series":{}})");
}
