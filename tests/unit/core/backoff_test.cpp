// core/backoff.hpp: the exponential ceiling, full jitter over it with
// fixed draws, the cap and the floor.
#include "core/backoff.hpp"

#include <gtest/gtest.h>

#include <limits>

using namespace delta::core;
using namespace std::chrono_literals;

namespace {

retry_backoff policy() { return retry_backoff{{1000ms, 60000ms, 100ms}}; }

}  // namespace

TEST(RetryBackoff, CeilingDoublesWithEveryFailedAttemptFromTheBase) {
  auto b = policy();
  EXPECT_EQ(b.ceiling(1), 1000ms);
  EXPECT_EQ(b.ceiling(2), 2000ms);
  EXPECT_EQ(b.ceiling(3), 4000ms);
  EXPECT_EQ(b.ceiling(6), 32000ms);
}

TEST(RetryBackoff, CeilingStopsAtTheCapEvenForHugeAttemptCounts) {
  auto b = policy();
  EXPECT_EQ(b.ceiling(7), 60000ms);
  EXPECT_EQ(b.ceiling(1000000), 60000ms);
}

TEST(RetryBackoff, ZeroOrNegativeAttemptsCountAsTheFirstFailure) {
  EXPECT_EQ(policy().ceiling(0), 1000ms);
  EXPECT_EQ(policy().ceiling(-3), 1000ms);
}

TEST(RetryBackoff, FullJitterScalesTheCeilingByTheDraw) {
  auto b = policy();
  EXPECT_EQ(b.delay(3, 0.5), 2000ms);
  EXPECT_EQ(b.delay(3, 0.25), 1000ms);
  EXPECT_EQ(b.delay(1, 0.999), 999ms);
}

TEST(RetryBackoff, ASmallDrawStillWaitsTheFloor) {
  EXPECT_EQ(policy().delay(1, 0.0), 100ms);
  EXPECT_EQ(policy().delay(5, 0.001), 100ms);
}

TEST(RetryBackoff, DrawsOutsideTheUnitIntervalAreClamped) {
  auto b = policy();
  EXPECT_EQ(b.delay(2, -1.0), 100ms);
  EXPECT_EQ(b.delay(2, 7.0), 1999ms) << "a draw of 1 or more waits just under the ceiling";
  EXPECT_EQ(b.delay(50, 7.0), 59999ms);
  EXPECT_EQ(b.delay(2, std::numeric_limits<double>::quiet_NaN()), 100ms);
}
