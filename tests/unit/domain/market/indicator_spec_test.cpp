// domain/market/indicator_spec.hpp: the `indicators` query syntax, its
// bounds, and the warm-up it asks for.
#include "domain/market/indicator_spec.hpp"

#include <gtest/gtest.h>

using namespace delta::market;
using delta::protocol::indicator_kind;

namespace {

std::vector<std::string> keys(const spec_parse& p) {
  std::vector<std::string> out;
  for (auto& s : p.specs) out.push_back(s.key);
  return out;
}

std::string only_problem(const char* text) {
  auto p = parse_indicator_specs(text);
  EXPECT_TRUE(p.specs.empty()) << text;
  EXPECT_EQ(p.problems.size(), 1u) << text;
  return p.problems.empty() ? "" : p.problems.front();
}

bool mentions(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(IndicatorSpec, ParsesTheExampleOfTheApiInOrder) {
  auto p = parse_indicator_specs("ema:20,sma:50,rsi:14,macd:12:26:9,atr:14,bbands:20:2");
  EXPECT_TRUE(p.problems.empty());
  EXPECT_EQ(keys(p), (std::vector<std::string>{"ema:20", "sma:50", "rsi:14", "macd:12:26:9",
                                               "atr:14", "bbands:20:2"}));
  auto& m = p.specs[3];
  EXPECT_EQ(m.which(), indicator_kind::macd);
  EXPECT_EQ(std::tie(m.period, m.slow, m.signal), std::make_tuple(12, 26, 9));
  EXPECT_EQ(p.specs[5].k, 2.0);
}

TEST(IndicatorSpec, KeysAreCanonical) {
  EXPECT_EQ(keys(parse_indicator_specs("ema:020,bbands:20:2.50")),
            (std::vector<std::string>{"ema:20", "bbands:20:2.5"}));
}

TEST(IndicatorSpec, RefusesUnknownNamesAndWrongArity) {
  EXPECT_TRUE(mentions(only_problem("wma:10"), "unknown indicator"));
  EXPECT_TRUE(mentions(only_problem("EMA:10"), "unknown indicator"));
  EXPECT_TRUE(mentions(only_problem("ema"), "one period"));
  EXPECT_TRUE(mentions(only_problem("ema:10:2"), "one period"));
  EXPECT_TRUE(mentions(only_problem("macd:12:26"), "macd:FAST:SLOW:SIGNAL"));
  EXPECT_TRUE(mentions(only_problem("bbands:20"), "bbands:N:K"));
}

TEST(IndicatorSpec, BoundsPeriodsAndBollingersMultiplier) {
  EXPECT_TRUE(mentions(only_problem("sma:0"), "from 1 to 500"));
  EXPECT_TRUE(mentions(only_problem("sma:501"), "from 1 to 500"));
  EXPECT_TRUE(mentions(only_problem("sma:-5"), "from 1 to 500"));
  EXPECT_TRUE(mentions(only_problem("sma:1.5"), "from 1 to 500"));
  EXPECT_TRUE(mentions(only_problem("sma:99999999999"), "from 1 to 500"));
  EXPECT_TRUE(mentions(only_problem("bbands:1:2"), "from 2 to 500"));
  EXPECT_TRUE(mentions(only_problem("macd:26:12:9"), "FAST must be less than SLOW"));
  EXPECT_TRUE(mentions(only_problem("macd:12:12:9"), "FAST must be less than SLOW"));
  for (auto k : {"bbands:20:0", "bbands:20:10.5", "bbands:20:-1", "bbands:20:1e1", "bbands:20:nan",
                 "bbands:20:.5", "bbands:20:2."})
    EXPECT_TRUE(mentions(only_problem(k), "K must be")) << k;
  EXPECT_TRUE(parse_indicator_specs("sma:1,sma:500,bbands:2:10,bbands:3:0.1").problems.empty());
}

TEST(IndicatorSpec, RefusesEmptyItemsRepeatsAndMoreThanTen) {
  EXPECT_TRUE(mentions(only_problem(""), "at least one"));
  EXPECT_TRUE(mentions(only_problem("ema:20,"), "item 2 ''"));
  EXPECT_TRUE(mentions(only_problem("ema:20,ema:020"), "listed twice"));
  EXPECT_TRUE(mentions(only_problem("sma:1,sma:2,sma:3,sma:4,sma:5,sma:6,sma:7,sma:8,sma:9,sma:10,sma:11"),
                       "at most 10"));
  EXPECT_EQ(parse_indicator_specs("sma:1,sma:2,sma:3,sma:4,sma:5,sma:6,sma:7,sma:8,sma:9,sma:10").specs.size(),
            10u);
}

TEST(IndicatorSpec, NamesEveryBadItem) {
  auto p = parse_indicator_specs("ema:20,foo:1,rsi:0");
  EXPECT_TRUE(p.specs.empty());
  ASSERT_EQ(p.problems.size(), 2u);
  EXPECT_TRUE(mentions(p.problems[0], "item 2 'foo:1'"));
  EXPECT_TRUE(mentions(p.problems[1], "item 3 'rsi:0'"));
}

TEST(IndicatorSpec, WarmUpIsNMinusOneForWindowsTenNForRecursiveOnesCapped) {
  EXPECT_EQ(warmup_bars(parse_indicator_specs("sma:50,bbands:20:2").specs), 49);
  EXPECT_EQ(warmup_bars(parse_indicator_specs("sma:50,ema:20").specs), 200);
  EXPECT_EQ(warmup_bars(parse_indicator_specs("rsi:14,atr:14").specs), 140);
  EXPECT_EQ(warmup_bars(parse_indicator_specs("macd:12:26:9").specs), 350);
  EXPECT_EQ(warmup_bars(parse_indicator_specs("ema:500").specs), max_warmup_bars);
  EXPECT_EQ(warmup_bars({}), 0);
}
