// actors/runtime/idle_tracker.hpp: which entity keys have been idle too long.
#include "actors/runtime/idle_tracker.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace delta::runtime;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST(IdleTracker, ReportsKeysUnusedForAtLeastTheLimit) {
  idle_tracker t;
  idle_tracker::clock::time_point t0{};
  t.touch("a", t0);
  t.touch("b", t0 + 5s);
  t.touch("c", t0 + 9s);
  EXPECT_EQ(sorted(t.idle_since(t0 + 10s, 5s)), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.idle_since(t0 + 10s, 11s), std::vector<std::string>{});
}

TEST(IdleTracker, TouchingAKeyAgainMakesItBusy) {
  idle_tracker t;
  idle_tracker::clock::time_point t0{};
  t.touch("a", t0);
  t.touch("a", t0 + 8s);
  EXPECT_TRUE(t.idle_since(t0 + 10s, 5s).empty());
  EXPECT_EQ(t.size(), 1u);
}

TEST(IdleTracker, ReportsIdleKeysLeastRecentlyUsedFirst) {
  idle_tracker t;
  idle_tracker::clock::time_point t0{};
  t.touch("a", t0);
  t.touch("b", t0 + 1s);
  t.touch("c", t0 + 2s);
  t.touch("a", t0 + 3s);
  EXPECT_EQ(t.idle_since(t0 + 10s, 5s), (std::vector<std::string>{"b", "c", "a"}));
  EXPECT_EQ(t.idle_since(t0 + 7s, 5s), (std::vector<std::string>{"b", "c"}));
}

TEST(IdleTracker, ForgetsErasedKeys) {
  idle_tracker t;
  idle_tracker::clock::time_point t0{};
  t.touch("a", t0);
  EXPECT_TRUE(t.contains("a"));
  t.erase("a");
  EXPECT_FALSE(t.contains("a"));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_TRUE(t.idle_since(t0 + 1h, 1s).empty());
}
