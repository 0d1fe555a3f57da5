#include "actors/llm/endpoint_gate.hpp"

namespace delta::llm {

endpoint_gate::endpoint_gate(gate_config cfg) : cfg_{cfg}, breaker_{cfg.breaker} {
  if (cfg_.max_in_flight == 0) cfg_.max_in_flight = 1;
}

gate_ticket endpoint_gate::admit(clock::time_point now) {
  reclaim_abandoned(now);
  // Check the cap first: asking the breaker could claim its half-open probe
  // for a call that then cannot be made.
  if (slots_.size() >= cfg_.max_in_flight) return {{}, 0, gate_refusal::saturated};
  auto permit = breaker_.allow(now);
  if (!permit) return {{}, 0, gate_refusal::open};
  auto slot = next_slot_++;
  slots_.emplace(slot, now);
  return {permit, slot, gate_refusal::none};
}

void endpoint_gate::report(std::uint64_t slot, const breaker_permit& permit, bool healthy,
                           clock::time_point now) {
  if (slots_.erase(slot) == 0) return;
  if (healthy) breaker_.record_success(permit, now);
  else breaker_.record_failure(permit, now);
}

bool endpoint_gate::at_rest(clock::time_point now) const {
  auto s = breaker_.snapshot(now);
  return s.state == breaker_state::closed && s.failures == 0 && slots_.empty();
}

void endpoint_gate::reclaim_abandoned(clock::time_point now) {
  // Slots are numbered in admission order, so the oldest come first.
  while (!slots_.empty() && now - slots_.begin()->second >= cfg_.slot_timeout)
    slots_.erase(slots_.begin());
}

}  // namespace delta::llm
