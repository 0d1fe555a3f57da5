#include "http/edge.hpp"

#include <caf/all.hpp>

namespace delta::http {

namespace {

// One request on its way from an asio thread to the edge actor. Local only.
struct http_call {
  const route* rt;
  request req;
  path_params params;
  reply_ptr reply;
};

using http_call_ptr = std::shared_ptr<http_call>;

}  // namespace
}  // namespace delta::http

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(delta::http::http_call_ptr)

namespace delta::http {

namespace {

// Generous: domain actors answer in microseconds, PostgreSQL in
// milliseconds; this only bounds the wait for a stuck dependency.
constexpr auto domain_timeout = std::chrono::seconds(10);

struct edge_state {
  static inline const char* name = "delta.edge";
};

caf::behavior edge_actor(caf::stateful_actor<edge_state>* self, services svc) {
  return {
      [self, svc](http_call_ptr& call) {
        edge_context ctx{self, svc,
                         std::chrono::duration_cast<std::chrono::milliseconds>(domain_timeout)};
        call->rt->answer_in_edge(ctx, call->req, call->params, std::move(call->reply));
      },
  };
}

}  // namespace

caf::actor spawn_edge(caf::local_actor& parent, services svc) {
  return parent.spawn(edge_actor, std::move(svc));
}

dispatch_fn make_dispatch(protocol::slot_ptr<caf::actor> edge) {
  return [edge](const route& rt, request& req, path_params& params, reply_ptr reply) {
    auto call = std::make_shared<http_call>(
        http_call{&rt, std::move(req), std::move(params), std::move(reply)});
    // With no edge (restarting), dropping the call answers 503 (pending_reply).
    if (auto target = edge->get()) caf::anon_send(target, std::move(call));
  };
}

}  // namespace delta::http
