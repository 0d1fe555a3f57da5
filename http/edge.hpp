#pragma once
// The edge actor: the CAF side of the HTTP edge. The server hands it each
// request that needs actors; it runs the route's handler, which talks to the
// owning domain actors in protocol messages and answers through the reply.

#include "http/router.hpp"
#include "http/server.hpp"
#include "protocol/actor_slot.hpp"
#include "protocol/health.hpp"
#include "protocol/market.hpp"

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>

#include <chrono>

namespace delta::http {

// Where the edge finds the domain actors (their supervisors keep these current).
struct services {
  protocol::slot_ptr<protocol::market_actor> market;
  protocol::slot_ptr<protocol::health_actor> health;
};

struct edge_context {
  caf::event_based_actor* self;
  const services& svc;

  // A request to a domain actor. No CAF timeout: CAF 0.17 arms its clock
  // thread for every timed request (a wake-up per request); the edge's own
  // deadline sweep answers 503 for any call not answered in time instead.
  template <class Handle, class... Ts>
  auto ask(const Handle& dest, Ts&&... xs) {
    return self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
  }
};

caf::actor spawn_edge(caf::local_actor& parent, services svc);

// The server's dispatch function: one message to the current edge actor.
dispatch_fn make_dispatch(protocol::slot_ptr<caf::actor> edge);

}  // namespace delta::http
