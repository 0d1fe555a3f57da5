// actors/llm/breaker.hpp: every edge of closed -> open -> half_open ->
// closed/open on a fake clock, the single half-open probe, reset on success,
// stale outcomes, and the snapshot shown by GET /admin/llm/breakers.
#include "actors/llm/breaker.hpp"

#include <gtest/gtest.h>

using namespace delta::llm;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

const clock_type::time_point t0 = clock_type::time_point{} + 1000h;

// One call through the breaker that fails; false when the breaker refused.
bool fail_once(breaker& b, clock_type::time_point now) {
  auto p = b.allow(now);
  if (p) b.record_failure(p, now);
  return static_cast<bool>(p);
}

bool succeed_once(breaker& b, clock_type::time_point now) {
  auto p = b.allow(now);
  if (p) b.record_success(p, now);
  return static_cast<bool>(p);
}

breaker opened_at_t0() {
  breaker b;
  for (int i = 0; i < 5; ++i) fail_once(b, t0);
  return b;
}

}  // namespace

TEST(Breaker, StartsClosedAndAdmitsEveryCall) {
  breaker b;
  for (int i = 0; i < 100; ++i) {
    auto p = b.allow(t0);
    EXPECT_TRUE(p);
    EXPECT_FALSE(p.probe);
  }
  auto s = b.snapshot(t0);
  EXPECT_EQ(s.state, breaker_state::closed);
  EXPECT_EQ(s.failures, 0);
  EXPECT_FALSE(s.opened_at);
  EXPECT_FALSE(s.retry_at);
}

TEST(Breaker, StaysClosedAfterFourConsecutiveFailures) {
  breaker b;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(fail_once(b, t0));
  EXPECT_EQ(b.snapshot(t0).state, breaker_state::closed);
  EXPECT_EQ(b.snapshot(t0).failures, 4);
  EXPECT_TRUE(b.allow(t0));
}

TEST(Breaker, OpensAfterFiveConsecutiveFailuresAndAnswersAtOnceWhileOpen) {
  breaker b;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(fail_once(b, t0));
  auto s = b.snapshot(t0);
  EXPECT_EQ(s.state, breaker_state::open);
  EXPECT_EQ(s.failures, 5);
  ASSERT_TRUE(s.opened_at);
  EXPECT_EQ(*s.opened_at, t0);
  ASSERT_TRUE(s.retry_at);
  EXPECT_EQ(*s.retry_at, t0 + 60s);
  EXPECT_FALSE(b.allow(t0));
  EXPECT_FALSE(b.allow(t0 + 30s));
  EXPECT_FALSE(b.allow(t0 + 60s - 1ns));
  EXPECT_FALSE(b.would_allow(t0 + 60s - 1ns));
}

TEST(Breaker, ASuccessInClosedResetsTheConsecutiveCount) {
  breaker b;
  for (int i = 0; i < 4; ++i) fail_once(b, t0);
  succeed_once(b, t0);
  EXPECT_EQ(b.snapshot(t0).failures, 0);
  for (int i = 0; i < 4; ++i) fail_once(b, t0);
  EXPECT_EQ(b.snapshot(t0).state, breaker_state::closed);
  fail_once(b, t0);
  EXPECT_EQ(b.snapshot(t0).state, breaker_state::open);
}

TEST(Breaker, HonoursAConfiguredThresholdAndCooldown) {
  breaker b{breaker_config{.failure_threshold = 2, .cooldown = 10s}};
  fail_once(b, t0);
  EXPECT_TRUE(b.allow(t0));
  fail_once(b, t0);
  EXPECT_FALSE(b.allow(t0 + 9s));
  EXPECT_TRUE(b.allow(t0 + 10s).probe);
}

TEST(Breaker, AfterTheCooldownLetsExactlyOneProbeThrough) {
  auto b = opened_at_t0();
  auto probe = b.allow(t0 + 60s);
  ASSERT_TRUE(probe);
  EXPECT_TRUE(probe.probe);
  EXPECT_EQ(b.snapshot(t0 + 60s).state, breaker_state::half_open);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(b.allow(t0 + 61s)) << "call " << i;
  EXPECT_FALSE(b.would_allow(t0 + 61s));
}

TEST(Breaker, ASuccessfulProbeClosesItAndResetsFailures) {
  auto b = opened_at_t0();
  auto probe = b.allow(t0 + 60s);
  b.record_success(probe, t0 + 61s);
  auto s = b.snapshot(t0 + 61s);
  EXPECT_EQ(s.state, breaker_state::closed);
  EXPECT_EQ(s.failures, 0);
  EXPECT_FALSE(s.retry_at);
  ASSERT_TRUE(s.opened_at);  // kept for the admin view: when it last opened
  EXPECT_EQ(*s.opened_at, t0);
  auto p = b.allow(t0 + 61s);
  EXPECT_TRUE(p);
  EXPECT_FALSE(p.probe);
  // A fresh run of failures is needed to open it again.
  for (int i = 0; i < 4; ++i) fail_once(b, t0 + 62s);
  EXPECT_EQ(b.snapshot(t0 + 62s).state, breaker_state::closed);
}

TEST(Breaker, AFailedProbeOpensItForAnotherFullCooldown) {
  auto b = opened_at_t0();
  auto probe = b.allow(t0 + 60s);
  b.record_failure(probe, t0 + 65s);
  auto s = b.snapshot(t0 + 65s);
  EXPECT_EQ(s.state, breaker_state::open);
  EXPECT_EQ(s.failures, 6);
  EXPECT_EQ(*s.opened_at, t0 + 65s);
  EXPECT_EQ(*s.retry_at, t0 + 125s);
  EXPECT_FALSE(b.allow(t0 + 125s - 1ns));
  EXPECT_TRUE(b.allow(t0 + 125s).probe);
}

TEST(Breaker, ShowsHalfOpenOnceTheCooldownHasElapsedEvenBeforeTheProbe) {
  auto b = opened_at_t0();
  EXPECT_EQ(b.snapshot(t0 + 59s).state, breaker_state::open);
  EXPECT_EQ(b.snapshot(t0 + 60s).state, breaker_state::half_open);
  EXPECT_TRUE(b.would_allow(t0 + 60s));
  // would_allow does not claim the probe.
  EXPECT_TRUE(b.allow(t0 + 60s).probe);
}

TEST(Breaker, IgnoresOutcomesOfCallsAdmittedBeforeItOpened) {
  breaker b;
  auto slow = b.allow(t0);  // in flight while five others fail
  for (int i = 0; i < 5; ++i) fail_once(b, t0 + 1s);
  ASSERT_EQ(b.snapshot(t0 + 1s).state, breaker_state::open);
  b.record_success(slow, t0 + 2s);
  EXPECT_EQ(b.snapshot(t0 + 2s).state, breaker_state::open);
  // Nor may it close a half-open breaker whose probe is still out.
  auto probe = b.allow(t0 + 61s);
  ASSERT_TRUE(probe.probe);
  b.record_success(slow, t0 + 62s);
  EXPECT_EQ(b.snapshot(t0 + 62s).state, breaker_state::half_open);
  b.record_failure(probe, t0 + 63s);
  EXPECT_EQ(b.snapshot(t0 + 63s).state, breaker_state::open);
}

TEST(Breaker, ARefusedPermitCarriesNoOutcome) {
  auto b = opened_at_t0();
  auto refused = b.allow(t0 + 1s);
  ASSERT_FALSE(refused);
  b.record_success(refused, t0 + 1s);
  b.record_failure(refused, t0 + 1s);
  auto s = b.snapshot(t0 + 1s);
  EXPECT_EQ(s.state, breaker_state::open);
  EXPECT_EQ(s.failures, 5);
  EXPECT_EQ(*s.retry_at, t0 + 60s);
}

TEST(Breaker, GivesUpOnAProbeThatNeverReportsAndAdmitsANewOne) {
  breaker b{breaker_config{.failure_threshold = 5, .cooldown = 60s, .probe_timeout = 30s}};
  for (int i = 0; i < 5; ++i) fail_once(b, t0);
  auto lost = b.allow(t0 + 60s);
  ASSERT_TRUE(lost.probe);
  EXPECT_EQ(*b.snapshot(t0 + 70s).retry_at, t0 + 90s);
  EXPECT_FALSE(b.allow(t0 + 90s - 1ns));
  auto second = b.allow(t0 + 90s);
  ASSERT_TRUE(second.probe);
  // The lost probe's late answer is stale; only the new probe decides.
  b.record_success(lost, t0 + 91s);
  EXPECT_EQ(b.snapshot(t0 + 91s).state, breaker_state::half_open);
  b.record_success(second, t0 + 92s);
  EXPECT_EQ(b.snapshot(t0 + 92s).state, breaker_state::closed);
}

TEST(Breaker, ResetClosesItAndForgetsItsHistory) {
  auto b = opened_at_t0();
  b.reset();
  auto s = b.snapshot(t0);
  EXPECT_EQ(s.state, breaker_state::closed);
  EXPECT_EQ(s.failures, 0);
  EXPECT_FALSE(s.opened_at);
  EXPECT_TRUE(b.allow(t0));
}

TEST(Breaker, ConvertsSteadyTimesToWallTimeRelativeToTheCallersNow) {
  auto sys_now = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 10h;
  auto wall = to_system_time(t0 + 60s, t0 + 15s, sys_now);
  EXPECT_EQ(wall, sys_now + 45s);
  EXPECT_EQ(to_system_time(t0, t0 + 15s, sys_now), sys_now - 15s);
}

TEST(Breaker, NamesItsStatesAsTheAdminApiDoes) {
  EXPECT_EQ(to_string(breaker_state::closed), "closed");
  EXPECT_EQ(to_string(breaker_state::open), "open");
  EXPECT_EQ(to_string(breaker_state::half_open), "half_open");
}
