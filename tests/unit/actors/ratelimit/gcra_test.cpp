// actors/ratelimit/gcra.hpp: burst at one instant, remaining, the exact
// retry time of a rejection, coming to rest, reconfiguration and cost > 1.
// Every time is an explicit time_point: no real clock.
#include "actors/ratelimit/gcra.hpp"

#include <gtest/gtest.h>

using namespace delta::ratelimit;
using namespace std::chrono_literals;

namespace {

const clock::time_point t0 = clock::time_point{} + 1000h;

// Checks and, when allowed, commits: what the bucket does for one limit.
limit_state take(gcra& g, clock::time_point now, int cost = 1) {
  auto s = g.check(now, cost);
  if (s.allowed) g.commit(now, cost);
  return s;
}

}  // namespace

TEST(Gcra, AdmitsExactlyTheBurstAtOneInstantThenRejects) {
  gcra g{60, 1min, 120};
  for (int i = 0; i < 120; ++i) ASSERT_TRUE(take(g, t0).allowed) << "request " << i;
  EXPECT_FALSE(take(g, t0).allowed);
  EXPECT_FALSE(take(g, t0).allowed);
}

TEST(Gcra, ReportsTheBurstAsTheLimitAndCountsRemainingDown) {
  gcra g{60, 1min, 5};
  for (int i = 0; i < 5; ++i) {
    auto s = take(g, t0);
    ASSERT_TRUE(s.allowed);
    EXPECT_EQ(s.limit, 5);
    EXPECT_EQ(s.remaining, 4 - i) << "request " << i;
  }
  auto rejected = take(g, t0);
  EXPECT_FALSE(rejected.allowed);
  EXPECT_EQ(rejected.limit, 5);
  EXPECT_EQ(rejected.remaining, 0);
}

TEST(Gcra, CheckDoesNotConsume) {
  gcra g{60, 1min, 2};
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(g.check(t0).allowed);
  EXPECT_EQ(g.check(t0).remaining, 1);
  EXPECT_TRUE(g.at_rest(t0));
}

TEST(Gcra, RetryAfterIsExactlyTheTimeUntilTheNextRequestPasses) {
  gcra g{60, 1min, 3};  // one per second
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(take(g, t0).allowed);
  auto rejected = g.check(t0);
  ASSERT_FALSE(rejected.allowed);
  EXPECT_EQ(rejected.retry_after, 1s);
  EXPECT_FALSE(g.check(t0 + rejected.retry_after - 1ns).allowed);
  EXPECT_TRUE(g.check(t0 + rejected.retry_after).allowed);

  // Later into the interval the wait shrinks by exactly the time elapsed.
  auto later = g.check(t0 + 400ms);
  ASSERT_FALSE(later.allowed);
  EXPECT_EQ(later.retry_after, 600ms);
}

TEST(Gcra, RetryAfterIsExactForAnIntervalThatIsNotAWholeNumberOfMilliseconds) {
  gcra g{7, 1min, 2};  // interval 60 s / 7 = 8.571428571 s
  const auto interval = std::chrono::duration_cast<clock::duration>(std::chrono::nanoseconds(60'000'000'000 / 7));
  ASSERT_TRUE(take(g, t0).allowed);
  ASSERT_TRUE(take(g, t0).allowed);
  auto now = t0 + 1234567us;
  auto rejected = g.check(now);
  ASSERT_FALSE(rejected.allowed);
  EXPECT_EQ(rejected.retry_after, interval - 1234567us);
  EXPECT_FALSE(g.check(now + rejected.retry_after - 1ns).allowed);
  EXPECT_TRUE(g.check(now + rejected.retry_after).allowed);
}

TEST(Gcra, RefillsOneRequestPerInterval) {
  gcra g{60, 1min, 3};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(take(g, t0).allowed);
  ASSERT_FALSE(take(g, t0 + 999ms).allowed);
  EXPECT_TRUE(take(g, t0 + 1s).allowed);
  EXPECT_FALSE(take(g, t0 + 1s).allowed);
  EXPECT_TRUE(take(g, t0 + 3s).allowed);   // two intervals later: two more
  EXPECT_TRUE(take(g, t0 + 3s).allowed);
  EXPECT_FALSE(take(g, t0 + 3s).allowed);
}

TEST(Gcra, ComesToRestAfterBurstTimesIntervalAndThenAdmitsAFullBurstAgain) {
  gcra g{60, 1min, 10};
  EXPECT_TRUE(g.at_rest(t0));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(take(g, t0).allowed);
  EXPECT_FALSE(g.at_rest(t0));
  EXPECT_FALSE(g.at_rest(t0 + 10s - 1ns));
  auto rest = t0 + 10s;  // burst x interval
  EXPECT_TRUE(g.at_rest(rest));
  EXPECT_EQ(g.check(rest).remaining, 9);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(take(g, rest).allowed) << "request " << i;
  EXPECT_FALSE(take(g, rest).allowed);
}

TEST(Gcra, ResetAfterIsTheTimeUntilFullyAvailableAgain) {
  gcra g{60, 1min, 10};
  auto first = take(g, t0);
  EXPECT_EQ(first.reset_after, 1s);
  for (int i = 0; i < 9; ++i) take(g, t0);
  EXPECT_EQ(g.check(t0).reset_after, 10s);  // rejected: the whole burst must drain
  EXPECT_EQ(g.check(t0 + 500ms).reset_after, 9500ms);
  EXPECT_EQ(g.check(t0 + 4s).reset_after, 7s);  // admitted: counts this request too
}

TEST(Gcra, ReconfigureKeepsTheStateSoRaisingTheBurstGivesOnlyTheDifference) {
  gcra g{60, 1min, 5};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(take(g, t0).allowed);
  ASSERT_FALSE(g.check(t0).allowed);
  g.reconfigure(60, 1min, 10);
  EXPECT_TRUE(g.same_parameters(60, 1min, 10));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(take(g, t0).allowed) << "request " << i;
  EXPECT_FALSE(take(g, t0).allowed);  // 10 in all, not 5 + 10
}

TEST(Gcra, ReconfigureToASmallerBurstRejectsUntilTheStateDrainsBelowIt) {
  gcra g{60, 1min, 10};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(take(g, t0).allowed);
  g.reconfigure(60, 1min, 3);
  auto s = g.check(t0);
  ASSERT_FALSE(s.allowed);
  EXPECT_EQ(s.retry_after, 3s);  // tat is 5 s ahead; a request may be at most 3 s ahead
  EXPECT_TRUE(g.check(t0 + 3s).allowed);
}

TEST(Gcra, SameParametersComparesEachOfThem) {
  gcra g{60, 1min, 10};
  EXPECT_TRUE(g.same_parameters(60, 1min, 10));
  EXPECT_FALSE(g.same_parameters(61, 1min, 10));
  EXPECT_FALSE(g.same_parameters(60, 1h, 10));
  EXPECT_FALSE(g.same_parameters(60, 1min, 11));
}

TEST(Gcra, ACostAboveOneConsumesThatManyAndIsRejectedWhenNotAllFit) {
  gcra g{60, 1min, 5};
  auto s = take(g, t0, 3);
  ASSERT_TRUE(s.allowed);
  EXPECT_EQ(s.remaining, 2);
  auto too_big = g.check(t0, 3);
  ASSERT_FALSE(too_big.allowed);
  EXPECT_EQ(too_big.retry_after, 1s);  // one more interval makes room for three
  EXPECT_TRUE(g.check(t0 + 1s, 3).allowed);
  auto fits = take(g, t0, 2);  // a smaller request still fits now
  EXPECT_TRUE(fits.allowed);
  EXPECT_EQ(fits.remaining, 0);
  EXPECT_FALSE(g.check(t0).allowed);
}

TEST(Gcra, TreatsZeroCountAndBurstAsOne) {
  gcra g{0, 1min, 0};
  EXPECT_TRUE(take(g, t0).allowed);
  auto s = g.check(t0);
  EXPECT_FALSE(s.allowed);
  EXPECT_EQ(s.retry_after, 1min);
}
