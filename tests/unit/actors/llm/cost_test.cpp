// actors/llm/cost.hpp: the cost of a call from per-million prices, unknown
// models flagged as unpriced, and prices that cannot be negative.
#include "actors/llm/cost.hpp"

#include <gtest/gtest.h>

#include <limits>

using namespace delta::llm;

TEST(PriceTable, CostsInputAndOutputTokensAtTheirOwnPerMillionPrices) {
  price_table t;
  ASSERT_TRUE(t.set("openai", "gpt-4o-mini", {0.15, 0.60}));
  auto c = t.cost_of("openai", "gpt-4o-mini", 1'000'000, 500'000);
  EXPECT_TRUE(c.priced);
  EXPECT_DOUBLE_EQ(c.usd, 0.15 + 0.30);
  EXPECT_DOUBLE_EQ(t.cost_of("openai", "gpt-4o-mini", 1200, 300).usd, (1200 * 0.15 + 300 * 0.60) / 1e6);
}

TEST(PriceTable, AnUnknownModelCostsZeroAndIsFlaggedUnpriced) {
  price_table t;
  t.set("openai", "gpt-4o-mini", {0.15, 0.60});
  auto c = t.cost_of("openai", "gpt-4o", 1000, 1000);
  EXPECT_FALSE(c.priced);
  EXPECT_EQ(c.usd, 0.0);
  // The same model name under another provider is another price.
  EXPECT_FALSE(t.cost_of("openai_compat", "gpt-4o-mini", 1000, 1000).priced);
}

TEST(PriceTable, AFreeLocalModelIsPricedAtZero) {
  price_table t;
  t.set("ollama", "llama3.1:8b", {0.0, 0.0});
  auto c = t.cost_of("ollama", "llama3.1:8b", 5000, 5000);
  EXPECT_TRUE(c.priced);
  EXPECT_EQ(c.usd, 0.0);
}

TEST(PriceTable, RefusesNegativeOrNonFinitePricesAndReplacesOnSet) {
  price_table t;
  EXPECT_FALSE(t.set("openai", "m", {-1.0, 1.0}));
  EXPECT_FALSE(t.set("openai", "m", {1.0, std::numeric_limits<double>::infinity()}));
  EXPECT_FALSE(t.set("openai", "m", {std::numeric_limits<double>::quiet_NaN(), 1.0}));
  EXPECT_EQ(t.size(), 0u);
  t.set("openai", "m", {1.0, 2.0});
  t.set("openai", "m", {3.0, 4.0});
  EXPECT_EQ(t.size(), 1u);
  EXPECT_DOUBLE_EQ(t.cost_of("openai", "m", 1'000'000, 0).usd, 3.0);
}

TEST(PriceTable, TreatsNegativeTokenCountsAsZero) {
  price_table t;
  t.set("openai", "m", {1.0, 2.0});
  EXPECT_EQ(t.cost_of("openai", "m", -5, -5).usd, 0.0);
}
