// actors/llm/retry_policy.hpp and retry_after.hpp: which failures are
// retried, the full-jitter backoff bounds with fixed draws, the cap, the
// attempt limit, and Retry-After as a floor or a reason to move on.
#include "actors/llm/retry_policy.hpp"

#include "actors/llm/retry_after.hpp"

#include <gtest/gtest.h>

#include <limits>

using namespace delta::llm;
using namespace std::chrono_literals;

namespace {

constexpr double almost_one = 0.9999999999;

call_failure failure(failure_kind kind, int status = 0) {
  call_failure f;
  f.kind = kind;
  f.status = status;
  return f;
}

call_failure too_many_requests(std::chrono::seconds retry_after) {
  auto f = failure(failure_kind::http_status, 429);
  f.retry_after = retry_after;
  return f;
}

}  // namespace

TEST(RetryPolicy, RetriesConnectErrorsTimeouts429And5xx) {
  EXPECT_TRUE(is_retryable(failure_kind::connect_error, 0));
  EXPECT_TRUE(is_retryable(failure_kind::timeout, 0));
  EXPECT_TRUE(is_retryable(failure_kind::http_status, 429));
  for (int s : {500, 502, 503, 504, 529, 599}) EXPECT_TRUE(is_retryable(failure_kind::http_status, s)) << s;
}

TEST(RetryPolicy, DoesNotRetryOther4xxUnreadableBodiesProviderErrorsOrInvalidOutput) {
  for (int s : {400, 401, 403, 404, 408, 413, 422, 499})
    EXPECT_FALSE(is_retryable(failure_kind::http_status, s)) << s;
  EXPECT_FALSE(is_retryable(failure_kind::http_status, 600));
  EXPECT_FALSE(is_retryable(failure_kind::invalid_body, 200));
  EXPECT_FALSE(is_retryable(failure_kind::provider_error, 200));
  EXPECT_FALSE(is_retryable(failure_kind::invalid_output, 200));
  retry_policy p;
  auto d = p.after_failure(failure(failure_kind::http_status, 401), 1, 30s, 0.5);
  EXPECT_EQ(d.verdict, retry_verdict::not_retryable);
  EXPECT_FALSE(d.retry());
}

TEST(RetryPolicy, CountsOnlyEndpointHealthFailuresAgainstTheBreaker) {
  EXPECT_TRUE(counts_against_breaker(failure(failure_kind::timeout)));
  EXPECT_TRUE(counts_against_breaker(failure(failure_kind::connect_error)));
  EXPECT_TRUE(counts_against_breaker(failure(failure_kind::http_status, 503)));
  EXPECT_TRUE(counts_against_breaker(failure(failure_kind::http_status, 429)));
  EXPECT_TRUE(counts_against_breaker(failure(failure_kind::http_status, 401)));
  EXPECT_TRUE(counts_against_breaker(failure(failure_kind::invalid_body, 200)));
  EXPECT_FALSE(counts_against_breaker(failure(failure_kind::invalid_output, 200)));
  EXPECT_FALSE(counts_against_breaker(failure(failure_kind::http_status, 400)));
  EXPECT_FALSE(counts_against_breaker(failure(failure_kind::http_status, 422)));
}

TEST(RetryPolicy, BackoffCeilingDoublesFromTheBaseUpToTheCap) {
  retry_policy p{{.max_attempts = 10, .base = 100ms, .cap = 1000ms}};
  EXPECT_EQ(p.ceiling(0), 100ms);
  EXPECT_EQ(p.ceiling(1), 200ms);
  EXPECT_EQ(p.ceiling(2), 400ms);
  EXPECT_EQ(p.ceiling(3), 800ms);
  EXPECT_EQ(p.ceiling(4), 1000ms);
  EXPECT_EQ(p.ceiling(60), 1000ms);  // no overflow however many retries
  EXPECT_EQ(p.ceiling(std::numeric_limits<int>::max()), 1000ms);
}

TEST(RetryPolicy, FullJitterSpansZeroToJustUnderTheCeiling) {
  retry_policy p{{.max_attempts = 10, .base = 100ms, .cap = 1000ms}};
  for (int n = 0; n < 8; ++n) {
    EXPECT_EQ(p.backoff(n, 0.0), 0ms) << n;
    EXPECT_LT(p.backoff(n, almost_one), p.ceiling(n)) << n;
    EXPECT_GE(p.backoff(n, almost_one), p.ceiling(n) - 1ms) << n;
  }
  EXPECT_EQ(p.backoff(2, 0.5), 200ms);
}

TEST(RetryPolicy, ClampsADrawOutsideTheUnitInterval) {
  retry_policy p{{.max_attempts = 3, .base = 100ms, .cap = 1000ms}};
  EXPECT_EQ(p.backoff(0, -3.0), 0ms);
  EXPECT_EQ(p.backoff(0, std::numeric_limits<double>::quiet_NaN()), 0ms);
  EXPECT_LT(p.backoff(0, 7.0), 100ms);
  EXPECT_LT(p.backoff(0, 1.0), 100ms);
}

TEST(RetryPolicy, RetriesARetryableFailureWithTheJitteredBackoffOfThatAttempt) {
  retry_policy p{{.max_attempts = 4, .base = 100ms, .cap = 1000ms}};
  auto d1 = p.after_failure(failure(failure_kind::timeout), 1, 30s, almost_one);
  ASSERT_TRUE(d1.retry());
  EXPECT_LT(d1.delay, 100ms);
  EXPECT_GE(d1.delay, 99ms);
  auto d3 = p.after_failure(failure(failure_kind::http_status, 502), 3, 30s, almost_one);
  ASSERT_TRUE(d3.retry());
  EXPECT_GE(d3.delay, 399ms);
  EXPECT_LT(d3.delay, 400ms);
  EXPECT_EQ(p.after_failure(failure(failure_kind::connect_error), 2, 30s, 0.0).delay, 0ms);
}

TEST(RetryPolicy, StopsAtTheConfiguredMaximumAttempts) {
  retry_policy p{{.max_attempts = 3, .base = 100ms, .cap = 1000ms}};
  EXPECT_TRUE(p.after_failure(failure(failure_kind::timeout), 2, 30s, 0.0).retry());
  EXPECT_EQ(p.after_failure(failure(failure_kind::timeout), 3, 30s, 0.0).verdict,
            retry_verdict::attempts_exhausted);
  retry_policy once{{.max_attempts = 1}};
  EXPECT_EQ(once.after_failure(failure(failure_kind::timeout), 1, 30s, 0.0).verdict,
            retry_verdict::attempts_exhausted);
}

TEST(RetryPolicy, NeverRetriesSoonerThanRetryAfter) {
  retry_policy p{{.max_attempts = 3, .base = 100ms, .cap = 8000ms}};
  auto d = p.after_failure(too_many_requests(2s), 1, 30s, 0.0);
  ASSERT_TRUE(d.retry());
  EXPECT_EQ(d.delay, 2000ms);
  // A longer jittered backoff wins over a shorter Retry-After.
  retry_policy slow{{.max_attempts = 3, .base = 4000ms, .cap = 8000ms}};
  auto d2 = slow.after_failure(too_many_requests(1s), 2, 30s, almost_one);
  ASSERT_TRUE(d2.retry());
  EXPECT_GE(d2.delay, 7999ms);
}

TEST(RetryPolicy, MovesToTheFallbackWhenRetryAfterExceedsTheCap) {
  retry_policy p{{.max_attempts = 3, .base = 100ms, .cap = 8000ms}};
  EXPECT_EQ(p.after_failure(too_many_requests(9s), 1, 60s, 0.0).verdict,
            retry_verdict::retry_after_too_long);
  EXPECT_TRUE(p.after_failure(too_many_requests(8s), 1, 60s, 0.0).retry());
}

TEST(RetryPolicy, MovesToTheFallbackWhenRetryAfterReachesTheDeadline) {
  retry_policy p{{.max_attempts = 3, .base = 100ms, .cap = 8000ms}};
  EXPECT_EQ(p.after_failure(too_many_requests(5s), 1, 5s, 0.0).verdict,
            retry_verdict::retry_after_too_long);
  EXPECT_EQ(p.after_failure(too_many_requests(5s), 1, 4s, 0.0).verdict,
            retry_verdict::retry_after_too_long);
}

TEST(RetryPolicy, MovesToTheFallbackWhenTheBackoffWouldUseUpTheDeadline) {
  retry_policy p{{.max_attempts = 5, .base = 1000ms, .cap = 8000ms}};
  EXPECT_EQ(p.after_failure(failure(failure_kind::timeout), 3, 2000ms, almost_one).verdict,
            retry_verdict::deadline_too_close);
  EXPECT_EQ(p.after_failure(failure(failure_kind::timeout), 1, 0ms, 0.0).verdict,
            retry_verdict::deadline_too_close);
}

TEST(RetryAfter, ParsesDelaySeconds) {
  auto now = std::chrono::system_clock::time_point{};
  EXPECT_EQ(parse_retry_after("120", now), 120s);
  EXPECT_EQ(parse_retry_after(" 0 ", now), 0s);
  EXPECT_EQ(parse_retry_after("99999999999999999999", now), 86400s);  // capped, no overflow
}

TEST(RetryAfter, ParsesAnHttpDateRelativeToNow) {
  auto now = std::chrono::sys_days{std::chrono::year{1994} / 11 / 6} + 8h + 49min + 7s;
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 30s);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), 0s);  // in the past
}

TEST(RetryAfter, RejectsAnythingElse) {
  auto now = std::chrono::system_clock::time_point{};
  for (const char* bad : {"", "soon", "-5", "1.5", "12s", "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"})
    EXPECT_FALSE(parse_retry_after(bad, now)) << bad;
}
