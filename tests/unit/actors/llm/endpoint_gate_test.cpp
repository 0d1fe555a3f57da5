// actors/llm/endpoint_gate.hpp: the concurrency cap in front of the breaker,
// slot release by outcome (once), reclaiming abandoned slots, and that a
// saturated gate never spends the half-open probe.
#include "actors/llm/endpoint_gate.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace delta::llm;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

const clock_type::time_point t0 = clock_type::time_point{} + 1000h;

gate_config small_gate(std::size_t cap) {
  gate_config cfg;
  cfg.max_in_flight = cap;
  cfg.breaker.failure_threshold = 2;
  cfg.breaker.cooldown = 10s;
  cfg.slot_timeout = 60s;
  return cfg;
}

// A gate whose breaker opened at t0 (threshold 2, cooldown 10 s).
endpoint_gate opened_at_t0() {
  endpoint_gate gate{small_gate(8)};
  for (int i = 0; i < 2; ++i) {
    auto t = gate.admit(t0);
    gate.report(t.slot, t.permit, false, t0);
  }
  return gate;
}

}  // namespace

TEST(EndpointGate, AdmitsUpToTheCapThenRefusesAsSaturated) {
  endpoint_gate gate{small_gate(2)};
  auto a = gate.admit(t0);
  auto b = gate.admit(t0);
  auto c = gate.admit(t0);
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  EXPECT_FALSE(c);
  EXPECT_EQ(c.refused, gate_refusal::saturated);
  EXPECT_EQ(gate.in_flight(), 2u);
}

TEST(EndpointGate, AnOutcomeFreesItsSlotOnlyOnce) {
  endpoint_gate gate{small_gate(1)};
  auto a = gate.admit(t0);
  gate.report(a.slot, a.permit, true, t0);
  gate.report(a.slot, a.permit, true, t0);  // a duplicate report frees nothing more
  auto b = gate.admit(t0);
  EXPECT_TRUE(b);
  EXPECT_FALSE(gate.admit(t0));
}

TEST(EndpointGate, FailuresOpenTheBreakerAndOpenRefusesWithItsReason) {
  auto gate = opened_at_t0();
  auto refused = gate.admit(t0 + 1s);
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.refused, gate_refusal::open);
  EXPECT_EQ(gate.snapshot(t0 + 1s).state, breaker_state::open);
}

TEST(EndpointGate, HalfOpenAdmitsOneProbeWhoseSuccessClosesTheBreaker) {
  auto gate = opened_at_t0();
  auto probe = gate.admit(t0 + 10s);
  ASSERT_TRUE(probe);
  EXPECT_TRUE(probe.permit.probe);
  auto other = gate.admit(t0 + 10s);
  EXPECT_EQ(other.refused, gate_refusal::open);
  gate.report(probe.slot, probe.permit, true, t0 + 11s);
  EXPECT_EQ(gate.snapshot(t0 + 11s).state, breaker_state::closed);
  EXPECT_TRUE(gate.admit(t0 + 11s));
}

TEST(EndpointGate, AFailedProbeReopensForANewCooldown) {
  auto gate = opened_at_t0();
  auto probe = gate.admit(t0 + 10s);
  gate.report(probe.slot, probe.permit, false, t0 + 10s);
  EXPECT_EQ(gate.admit(t0 + 19s).refused, gate_refusal::open);
  EXPECT_TRUE(gate.admit(t0 + 20s));
}

TEST(EndpointGate, AbandonedSlotsAreReclaimedAfterTheSlotTimeout) {
  endpoint_gate gate{small_gate(1)};
  auto lost = gate.admit(t0);
  ASSERT_TRUE(lost);
  EXPECT_FALSE(gate.admit(t0 + 59s));
  auto next = gate.admit(t0 + 60s);
  EXPECT_TRUE(next);
  // The lost call's late outcome neither frees the new slot nor counts.
  gate.report(lost.slot, lost.permit, false, t0 + 61s);
  EXPECT_EQ(gate.in_flight(), 1u);
  EXPECT_EQ(gate.snapshot(t0 + 61s).failures, 0);
}

TEST(EndpointGate, IsAtRestOnlyWhenClosedWithoutFailuresOrCalls) {
  endpoint_gate gate{small_gate(4)};
  EXPECT_TRUE(gate.at_rest(t0));
  auto t = gate.admit(t0);
  EXPECT_FALSE(gate.at_rest(t0));
  gate.report(t.slot, t.permit, false, t0);
  EXPECT_FALSE(gate.at_rest(t0));  // one failure counted
  auto s = gate.admit(t0);
  gate.report(s.slot, s.permit, true, t0);
  EXPECT_TRUE(gate.at_rest(t0));
}
