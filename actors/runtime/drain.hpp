#pragma once
// Graceful shutdown of a queue-driving actor (the jobs dispatcher, the
// signal pipeline's driver): ask it to drain and wait for its answer, the
// number of leases it released (-1 if it did not answer).

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <cstdint>

namespace delta::runtime {

// Sends (DrainAtom, timeout_ms) -> int64 to `target` and blocks the calling
// (non-CAF) thread for the answer: at shutdown, from main.
template <class DrainAtom>
std::int64_t request_drain(caf::actor_system& system, const caf::actor& target, std::chrono::milliseconds timeout) {
  caf::scoped_actor self{system};
  std::int64_t released = -1;
  // The release itself needs a round trip after the timeout: allow for it.
  self->request(target, timeout + std::chrono::seconds(10), DrainAtom::value,
                static_cast<std::int64_t>(timeout.count()))
      .receive([&](std::int64_t n) { released = n; }, [](caf::error&) {});
  return released;
}

}  // namespace delta::runtime
