#pragma once
// What one breaker entity owns for its provider endpoint: the circuit breaker
// and a concurrency cap (a bulkhead). Pure: the entity actor passes the time.
//
// The cap bounds the sockets and provider load one endpoint can take from
// this node. A call beyond it is refused like an open breaker's: the
// gateway's walk skips to the next endpoint of the chain at once, and when
// every endpoint is open or full the call fails fast with 503 rather than
// queueing without bound behind a slow provider.
//
// Every admission takes a slot, released by its outcome. A slot whose
// outcome never comes (its gateway call was abandoned) is reclaimed after
// `slot_timeout`, which must exceed the longest per-call timeout.

#include "actors/llm/breaker.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>

namespace delta::llm {

struct gate_config {
  breaker_config breaker;
  std::size_t max_in_flight = 128;
  std::chrono::steady_clock::duration slot_timeout = std::chrono::seconds(660);
};

enum class gate_refusal { none, open, saturated };

struct gate_ticket {
  breaker_permit permit;
  std::uint64_t slot = 0;  // 0 when refused
  gate_refusal refused = gate_refusal::none;
  explicit operator bool() const { return slot != 0; }
};

class endpoint_gate {
 public:
  using clock = std::chrono::steady_clock;

  explicit endpoint_gate(gate_config cfg = {});

  gate_ticket admit(clock::time_point now);
  // The outcome of an admitted call; `healthy` is whether it counts as a
  // success for the breaker (see counts_against_breaker). Unknown or
  // reclaimed slots are ignored, so a duplicate report cannot free a slot twice.
  void report(std::uint64_t slot, const breaker_permit& permit, bool healthy, clock::time_point now);

  std::size_t in_flight() const { return slots_.size(); }
  breaker_snapshot snapshot(clock::time_point now) const { return breaker_.snapshot(now); }
  // Nothing to remember: closed, no failures counted, no call in flight.
  bool at_rest(clock::time_point now) const;

 private:
  void reclaim_abandoned(clock::time_point now);

  gate_config cfg_;
  breaker breaker_;
  std::uint64_t next_slot_ = 1;
  std::map<std::uint64_t, clock::time_point> slots_;  // slot -> admitted at (ascending)
};

}  // namespace delta::llm
