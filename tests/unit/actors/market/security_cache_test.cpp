// actors/market/security_cache.hpp: freshness, stale-if-error, size bound.
#include "actors/market/security_cache.hpp"

#include <gtest/gtest.h>

using delta::market::security_cache;
using delta::protocol::security;
using namespace std::chrono_literals;

namespace {

security sec(std::string ticker, std::string name = "n") {
  security s;
  s.ticker = std::move(ticker);
  s.name = std::move(name);
  return s;
}

const security_cache::clock::time_point t0{};

}  // namespace

TEST(SecurityCache, ServesAnEntryAsFreshWithinTheTtl) {
  security_cache cache{30s, 10};
  cache.put(sec("AAPL", "Apple"), t0);
  ASSERT_NE(cache.fresh("AAPL", t0), nullptr);
  EXPECT_EQ(cache.fresh("AAPL", t0 + 30s)->name, "Apple");
  EXPECT_EQ(cache.fresh("MSFT", t0), nullptr);
}

TEST(SecurityCache, KeepsStaleEntriesForAnyButNotForFresh) {
  security_cache cache{30s, 10};
  cache.put(sec("AAPL", "Apple"), t0);
  EXPECT_EQ(cache.fresh("AAPL", t0 + 31s), nullptr);
  ASSERT_NE(cache.any("AAPL"), nullptr);
  EXPECT_EQ(cache.any("AAPL")->name, "Apple");
  EXPECT_EQ(cache.any("MSFT"), nullptr);
}

TEST(SecurityCache, PuttingAgainRefreshesTheEntry) {
  security_cache cache{30s, 10};
  cache.put(sec("AAPL", "Old"), t0);
  cache.put(sec("AAPL", "New"), t0 + 40s);
  ASSERT_NE(cache.fresh("AAPL", t0 + 60s), nullptr);
  EXPECT_EQ(cache.fresh("AAPL", t0 + 60s)->name, "New");
  EXPECT_EQ(cache.size(), 1u);
}

TEST(SecurityCache, EvictsTheOldestEntryWhenFull) {
  security_cache cache{1h, 3};
  cache.put(sec("B"), t0 + 2s);
  cache.put(sec("A"), t0 + 1s);  // the oldest
  cache.put(sec("C"), t0 + 3s);
  cache.put(sec("D"), t0 + 4s);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.any("A"), nullptr);
  EXPECT_NE(cache.any("B"), nullptr);
  EXPECT_NE(cache.any("C"), nullptr);
  EXPECT_NE(cache.any("D"), nullptr);
}

TEST(SecurityCache, ReplacingAnEntryWhenFullEvictsNothing) {
  security_cache cache{1h, 2};
  cache.put(sec("A"), t0);
  cache.put(sec("B"), t0 + 1s);
  cache.put(sec("A", "again"), t0 + 2s);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_NE(cache.any("B"), nullptr);
  EXPECT_EQ(cache.any("A")->name, "again");
}

TEST(SecurityCache, StoresNothingWithZeroMaxEntries) {
  security_cache cache{30s, 0};
  cache.put(sec("AAPL"), t0);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.any("AAPL"), nullptr);
}

TEST(SecurityCache, ForgetsErasedEntries) {
  security_cache cache{30s, 10};
  cache.put(sec("AAPL"), t0);
  cache.erase("AAPL");
  EXPECT_EQ(cache.any("AAPL"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}
