// actors/ratelimit/bucket.hpp: several limits decided as one (all pass or
// nothing is charged), the figures reported for the headers, and limits whose
// kind or parameters change under a live bucket. Explicit time_points only.
#include "actors/ratelimit/bucket.hpp"

#include <gtest/gtest.h>

using namespace delta::ratelimit;
using delta::protocol::admit_decision;
using delta::protocol::admit_request;
using delta::protocol::limit_kind;
using delta::protocol::limit_spec;
using namespace std::chrono_literals;

namespace {

const clock::time_point t0 = clock::time_point{} + 1000h;

limit_spec rate(std::string name, std::int64_t per_minute, std::int64_t burst) {
  return {std::move(name), limit_kind::gcra, per_minute, 60000, burst};
}

limit_spec rate_per(std::string name, std::int64_t count, std::chrono::milliseconds period,
                    std::int64_t burst) {
  return {std::move(name), limit_kind::gcra, count, period.count(), burst};
}

limit_spec quota(std::string name, std::int64_t per_hour) {
  return {std::move(name), limit_kind::hourly_quota, per_hour, 3600000, 0};
}

admit_request req(std::vector<limit_spec> limits, int cost = 1) {
  admit_request r;
  r.limits = std::move(limits);
  r.cost = cost;
  return r;
}

}  // namespace

TEST(Bucket, AdmitsWhenEveryLimitAdmits) {
  bucket b;
  auto d = b.admit(req({rate("rate", 60, 10), quota("quota", 3)}), t0);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 0);
  EXPECT_EQ(b.limiters(), 2u);
}

TEST(Bucket, ARequestRejectedByOneLimitChargesNoneOfTheOthers) {
  bucket b;
  auto both = req({rate("rate", 60, 10), quota("quota", 3)});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.admit(both, t0).allowed);
  for (int i = 0; i < 20; ++i) ASSERT_FALSE(b.admit(both, t0).allowed) << "request " << i;
  // The rate limit saw three charges, not 23: seven of its ten remain.
  auto rate_only = b.admit(req({rate("rate", 60, 10)}), t0);
  ASSERT_TRUE(rate_only.allowed);
  EXPECT_EQ(rate_only.remaining, 10 - 4);
}

TEST(Bucket, ARejectionByTheFirstLimitDoesNotChargeTheLaterOnes) {
  bucket b;
  auto both = req({rate("rate", 60, 2), quota("quota", 100)});
  ASSERT_TRUE(b.admit(both, t0).allowed);
  ASSERT_TRUE(b.admit(both, t0).allowed);
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(b.admit(both, t0).allowed);
  auto quota_only = b.admit(req({quota("quota", 100)}), t0);
  ASSERT_TRUE(quota_only.allowed);
  EXPECT_EQ(quota_only.remaining, 100 - 3);
}

TEST(Bucket, ReportsTheTightestLimitsFigures) {
  bucket b;
  auto both = req({rate("rate", 60, 10), quota("quota", 3)});
  auto d = b.admit(both, t0);
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.limit, 3);  // the quota has 2 left, the rate 9
  EXPECT_EQ(d.remaining, 2);
  EXPECT_EQ(d.reset_seconds, 3600);

  bucket other;
  auto loose_quota = req({rate("rate", 60, 2), quota("quota", 100)});
  d = other.admit(loose_quota, t0);
  EXPECT_EQ(d.limit, 2);  // now the rate is tighter: 1 left against 99
  EXPECT_EQ(d.remaining, 1);
  EXPECT_EQ(d.reset_seconds, 1);
}

TEST(Bucket, ReportsTheLongestRetryAfterAmongTheRejectingLimits) {
  bucket b;
  auto three = req({rate("fast", 60, 1), rate("slow", 1, 1), quota("quota", 100)});
  ASSERT_TRUE(b.admit(three, t0).allowed);
  auto d = b.admit(three, t0);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 60);  // "fast" would allow in 1 s, "slow" in 60 s
  EXPECT_EQ(d.remaining, 0);

  // A passing limit's figures never stretch the wait.
  bucket c;
  auto with_quota = req({rate("rate", 60, 1), quota("quota", 1)});
  ASSERT_TRUE(c.admit(with_quota, t0).allowed);
  d = c.admit(req({rate("rate", 60, 1), quota("quota", 5)}), t0 + 500ms);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 1);
}

TEST(Bucket, RetryAfterIsAtLeastOneSecondOnARejection) {
  bucket b;
  auto r = req({rate_per("rate", 10, 1000ms, 1)});  // one per 100 ms
  ASSERT_TRUE(b.admit(r, t0).allowed);
  auto d = b.admit(r, t0 + 99ms);  // would pass in 1 ms
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 1);
}

TEST(Bucket, RetryingAfterRetryAfterSecondsPasses) {
  // Retry-After is whole seconds: a client that waits exactly that long must
  // be admitted, so any fraction of a second, however small, rounds up.
  struct scenario {
    const char* what;
    limit_spec spec;
    clock::duration elapsed;  // between the admitted and the rejected request
  };
  const scenario scenarios[] = {
      {"one per second", rate("rate", 60, 1), 250ms},
      {"seven per minute", rate("rate", 7, 1), 1234567us},
      {"interval 1.0005 s", rate_per("rate", 2, 2001ms, 1), 0ns},
      {"interval 1.000333 s", rate_per("rate", 3, 3001ms, 1), 0ns},
      // The default explain group (10/min): rejected when the wait is 5.0005 s.
      {"ten per minute, 0.5 ms past five seconds", rate("group:explain", 10, 20), 999499999ns},
      // 60 s / 7 = 8.571428571 s; rejected when the wait is 8.0005 s.
      {"seven per minute, 0.5 ms past a whole second", rate("rate", 7, 1), 570928570ns},
      {"hourly quota, sub-ms time", quota("quota", 1), 999us},
  };
  for (auto& s : scenarios) {
    SCOPED_TRACE(s.what);
    bucket b;
    auto r = req({s.spec});
    auto first = t0 + 1ms;
    ASSERT_TRUE(b.admit(r, first).allowed);
    while (b.admit(r, first).allowed) {
    }  // use up the burst at the same instant
    auto now = first + s.elapsed + 1ns;
    auto d = b.admit(r, now);
    ASSERT_FALSE(d.allowed);
    EXPECT_TRUE(b.admit(r, now + std::chrono::seconds(d.retry_after_seconds)).allowed)
        << "rejected again after Retry-After: " << d.retry_after_seconds << " s";
  }
}

TEST(Bucket, ReplacesALimitWhoseKindChanges) {
  bucket b;
  auto as_rate = req({rate("x", 60, 2)});
  ASSERT_TRUE(b.admit(as_rate, t0).allowed);
  ASSERT_TRUE(b.admit(as_rate, t0).allowed);
  ASSERT_FALSE(b.admit(as_rate, t0).allowed);
  auto d = b.admit(req({quota("x", 5)}), t0);  // now an hourly quota: a fresh limiter
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.limit, 5);
  EXPECT_EQ(d.remaining, 4);
  EXPECT_EQ(b.limiters(), 1u);
  d = b.admit(req({rate("x", 60, 2)}), t0);  // and back: fresh again
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 1);
}

TEST(Bucket, KeepsAQuotasStateWhenItsLimitChanges) {
  bucket b;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(b.admit(req({quota("quota", 5)}), t0).allowed);
  ASSERT_FALSE(b.admit(req({quota("quota", 5)}), t0).allowed);
  auto raised = b.admit(req({quota("quota", 8)}), t0);
  ASSERT_TRUE(raised.allowed);
  EXPECT_EQ(raised.limit, 8);
  EXPECT_EQ(raised.remaining, 2);  // 6 used of 8, not a fresh 8
  EXPECT_FALSE(b.admit(req({quota("quota", 3)}), t0 + 1min).allowed);
}

TEST(Bucket, KeepsARatesStateWhenItsParametersChange) {
  bucket b;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(b.admit(req({rate("rate", 60, 5)}), t0).allowed);
  ASSERT_FALSE(b.admit(req({rate("rate", 60, 5)}), t0).allowed);
  auto raised = b.admit(req({rate("rate", 60, 8)}), t0);
  ASSERT_TRUE(raised.allowed);
  EXPECT_EQ(raised.limit, 8);
  EXPECT_EQ(raised.remaining, 2);
}

TEST(Bucket, KeepsLimitsOfDifferentNamesApart) {
  bucket b;
  ASSERT_TRUE(b.admit(req({quota("a", 1)}), t0).allowed);
  EXPECT_TRUE(b.admit(req({quota("b", 1)}), t0).allowed);
  EXPECT_FALSE(b.admit(req({quota("a", 1)}), t0).allowed);
  EXPECT_EQ(b.limiters(), 2u);
}

TEST(Bucket, ChargesTheCostToEveryLimit) {
  bucket b;
  auto both = req({rate("rate", 60, 10), quota("quota", 10)}, 4);
  auto d = b.admit(both, t0);
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 6);
  EXPECT_TRUE(b.admit(both, t0).allowed);
  EXPECT_FALSE(b.admit(both, t0).allowed);  // 8 + 4 > 10
  EXPECT_TRUE(b.admit(req({rate("rate", 60, 10), quota("quota", 10)}, 2), t0).allowed);
}

TEST(Bucket, ComesToRestOnlyWhenEveryLimiterIs) {
  bucket b;
  EXPECT_TRUE(b.at_rest(t0));
  b.admit(req({rate("rate", 60, 10), quota("quota", 10)}), t0);
  EXPECT_FALSE(b.at_rest(t0 + 1s - 1ns));
  EXPECT_FALSE(b.at_rest(t0 + 1s));  // the rate is at rest, the quota is not
  EXPECT_TRUE(b.at_rest(t0 + 1h));
}
