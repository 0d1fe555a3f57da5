#pragma once
// The edge actor: the CAF side of the HTTP edge. The server hands it each
// request that needs actors; it runs the route's middleware in order —
// credentials -> principal (cached API keys, session entities), the route's
// declared requirement (authorize), the rate-limit bucket — then the route's
// handler, which talks to the owning domain actors in protocol messages.

#include "http/api_error.hpp"
#include "http/credentials.hpp"
#include "http/envelope.hpp"
#include "http/rate_plan.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "protocol/actor_slot.hpp"
#include "protocol/service_directory.hpp"
#include "protocol/auth.hpp"
#include "protocol/health.hpp"
#include "protocol/jobs.hpp"
#include "protocol/llm.hpp"
#include "protocol/market.hpp"
#include "protocol/signals.hpp"

#include <caf/actor.hpp>
#include "protocol/local_message.hpp"
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>

namespace delta::http {

// What the edge reads per request: the node's service directory (every
// domain's slots, kept current by their supervisors) and the rate limits.
struct services {
  protocol::services_ptr directory = std::make_shared<protocol::service_directory>();
  std::shared_ptr<const rate_settings> rates = std::make_shared<const rate_settings>();

  template <class Value>
  Value get(const protocol::service<Value>& key) const {
    return directory->get(key);
  }
  template <class Value>
  protocol::slot_ptr<Value> slot(const protocol::service<Value>& key) const {
    return directory->slot(key);
  }
};

// (whois_atom, presented_credential) -> protocol::principal, or a delta error
// (unauthorized, unavailable): the edge resolves a credential presented
// outside an HTTP request (the live stream's first message) by the same
// code and cache as a request's headers.
using whois_atom = caf::atom_constant<caf::atom("whois")>;

struct edge_context {
  caf::event_based_actor* self;
  const services& svc;
  const protocol::principal* who;  // null for anonymous requests

  // A request to a domain actor. No CAF timeout: CAF 0.17 arms its clock
  // thread for every timed request (a wake-up per request); the edge's own
  // deadline sweep answers 503 for any call not answered in time instead.
  template <class Handle, class... Ts>
  auto ask(const Handle& dest, Ts&&... xs) {
    return self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
  }
};

// The continuations most handlers end with: answer `status` with the
// envelope around `to_json(value)`, or the error mapped in one place.
template <class T, class ToJson>
auto answer_with(reply_ptr reply, int status, ToJson to_json) {
  return [reply = std::move(reply), status, to_json](const T& value) {
    reply->send(ok_response(status, to_json(value), reply->request_id()));
  };
}

inline auto answer_error(reply_ptr reply, std::string what = "Resource") {
  return [reply = std::move(reply), what = std::move(what)](const caf::error& err) {
    reply->send(error_response(from_domain_error(err, what), reply->request_id()));
  };
}

caf::actor spawn_edge(caf::local_actor& parent, services svc);

// The server's dispatch function: one message to the current edge actor.
dispatch_fn make_dispatch(protocol::slot_ptr<caf::actor> edge);

}  // namespace delta::http

DELTA_LOCAL_MESSAGE(delta::http::presented_credential)
