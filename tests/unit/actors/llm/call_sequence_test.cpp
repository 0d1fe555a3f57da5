// actors/llm/call_sequence.hpp: one gateway call driven step by step on a
// fake clock — the primary fails over to the fallback, an open primary is
// one skip, retryable failures retry the same endpoint with backoff, a
// breaker that opens during a retry moves the call on, and the call gives
// up with the right reason (all unavailable, exhausted, deadline).
#include "actors/llm/call_sequence.hpp"

#include <gtest/gtest.h>

using namespace delta::llm;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

const clock_type::time_point t0 = clock_type::time_point{} + 1000h;
const endpoint primary{"openai", "gpt-4o-mini", "https://api.openai.com/v1"};
const endpoint second{"anthropic", "claude-3-5-haiku-latest", "https://api.anthropic.com"};

call_failure failure(failure_kind kind, int status = 0) {
  call_failure f;
  f.kind = kind;
  f.status = status;
  return f;
}

call_sequence two_endpoints(int max_attempts = 3, clock_type::duration budget = 30s) {
  return call_sequence{build_chain(primary, {second}),
                       retry_policy{{.max_attempts = max_attempts, .base = 100ms, .cap = 1000ms}},
                       t0 + budget};
}

bool asks(const call_step& s, std::size_t endpoint, std::chrono::milliseconds delay = 0ms) {
  return s.what == call_step::kind::ask_breaker && s.endpoint == endpoint && s.delay == delay;
}

}  // namespace

TEST(CallSequence, AsksThePrimarysBreakerFirst) {
  auto seq = two_endpoints();
  EXPECT_TRUE(asks(seq.start(t0), 0));
}

TEST(CallSequence, AnOpenPrimaryCostsOneSkipAndTheFallbackIsCalled) {
  auto seq = two_endpoints();
  seq.start(t0);
  auto s = seq.on_refused(t0);
  EXPECT_TRUE(asks(s, 1));
  seq.on_admitted();
  EXPECT_EQ(seq.skipped(), (std::vector<std::size_t>{0}));
  EXPECT_TRUE(seq.failures().empty());
}

TEST(CallSequence, ANonRetryableFailureMovesStraightToTheFallback) {
  auto seq = two_endpoints();
  seq.start(t0);
  seq.on_admitted();
  auto s = seq.on_failure(failure(failure_kind::invalid_output, 200), t0 + 1s, 0.5);
  EXPECT_TRUE(asks(s, 1));
  ASSERT_EQ(seq.failures().size(), 1u);
  EXPECT_EQ(seq.failures()[0].endpoint, 0u);
  EXPECT_EQ(seq.failures()[0].kind, failure_kind::invalid_output);
}

TEST(CallSequence, RetriesARetryableFailureOnTheSameEndpointAfterTheBackoff) {
  auto seq = two_endpoints(3);
  seq.start(t0);
  seq.on_admitted();
  auto r1 = seq.on_failure(failure(failure_kind::http_status, 503), t0 + 1s, 0.5);
  EXPECT_TRUE(asks(r1, 0, 50ms));  // 0.5 * min(1000, 100 * 2^0)
  seq.on_admitted();
  auto r2 = seq.on_failure(failure(failure_kind::timeout), t0 + 2s, 0.5);
  EXPECT_TRUE(asks(r2, 0, 100ms));  // 0.5 * 200
  seq.on_admitted();
  EXPECT_EQ(seq.attempts_on_current(), 3);
  auto next = seq.on_failure(failure(failure_kind::timeout), t0 + 3s, 0.5);  // attempts exhausted
  EXPECT_TRUE(asks(next, 1));
  EXPECT_EQ(seq.failures().size(), 3u);
  EXPECT_TRUE(seq.skipped().empty());
}

TEST(CallSequence, MovesOnWhenTheBreakerOpensBeforeARetry) {
  auto seq = two_endpoints(3);
  seq.start(t0);
  seq.on_admitted();
  ASSERT_TRUE(asks(seq.on_failure(failure(failure_kind::connect_error), t0 + 1s, 0.0), 0));
  auto s = seq.on_refused(t0 + 1s);  // the retry finds the primary's breaker open
  EXPECT_TRUE(asks(s, 1));
  // The primary was attempted, not skipped.
  EXPECT_TRUE(seq.skipped().empty());
}

TEST(CallSequence, GivesUpAsAllUnavailableWhenEveryBreakerRefuses) {
  auto seq = two_endpoints();
  seq.start(t0);
  seq.on_refused(t0);
  auto s = seq.on_refused(t0);
  EXPECT_EQ(s.what, call_step::kind::give_up);
  EXPECT_EQ(s.reason, give_up_reason::all_unavailable);
  EXPECT_EQ(to_string(s.reason), "all_unavailable");
}

TEST(CallSequence, GivesUpAsExhaustedWhenEveryCalledEndpointFailed) {
  auto seq = two_endpoints(1);
  seq.start(t0);
  seq.on_admitted();
  seq.on_failure(failure(failure_kind::http_status, 500), t0 + 1s, 0.0);
  seq.on_admitted();
  auto s = seq.on_failure(failure(failure_kind::http_status, 401), t0 + 2s, 0.0);
  EXPECT_EQ(s.what, call_step::kind::give_up);
  EXPECT_EQ(s.reason, give_up_reason::exhausted);
  EXPECT_EQ(seq.failures().size(), 2u);
  EXPECT_EQ(seq.failures()[1].status, 401);
}

TEST(CallSequence, GivesUpAtTheDeadlineInsteadOfTryingTheNextEndpoint) {
  auto seq = two_endpoints(3, 10s);
  seq.start(t0);
  seq.on_admitted();
  auto s = seq.on_failure(failure(failure_kind::timeout), t0 + 10s, 0.0);
  EXPECT_EQ(s.what, call_step::kind::give_up);
  EXPECT_EQ(s.reason, give_up_reason::deadline);
  auto late = two_endpoints(3, 10s);
  EXPECT_EQ(late.start(t0 + 11s).reason, give_up_reason::deadline);
}

TEST(CallSequence, ARetryAfterBeyondTheCapGoesToTheFallbackAtOnce) {
  auto seq = two_endpoints(3);
  seq.start(t0);
  seq.on_admitted();
  auto f = failure(failure_kind::http_status, 429);
  f.retry_after = 30s;  // cap is 1 s
  EXPECT_TRUE(asks(seq.on_failure(f, t0 + 1s, 0.0), 1));
}

TEST(CallSequence, AnEmptyChainIsAllUnavailable) {
  call_sequence seq{{}, retry_policy{}, t0 + 30s};
  EXPECT_EQ(seq.start(t0).reason, give_up_reason::all_unavailable);
}
