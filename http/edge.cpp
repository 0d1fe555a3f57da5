#include "http/edge.hpp"

#include "http/api_error.hpp"

#include <caf/all.hpp>

#include <deque>

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

using sweep_deadlines_atom = caf::atom_constant<caf::atom("deadlines")>;

// Generous: domain actors answer in microseconds, PostgreSQL in
// milliseconds; this only bounds the wait for a stuck dependency.
constexpr auto call_deadline = std::chrono::seconds(10);
constexpr auto sweep_interval = std::chrono::milliseconds(500);

struct edge_state {
  static inline const char* name = "delta.edge";
  // Calls in arrival order; with one deadline for all, also deadline order.
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::weak_ptr<pending_reply>>>
      deadlines;
};

void sweep_deadlines(edge_state& st) {
  auto now = std::chrono::steady_clock::now();
  while (!st.deadlines.empty() && st.deadlines.front().first <= now) {
    if (auto reply = st.deadlines.front().second.lock(); reply && !reply->answered())
      reply->send(error_response(make_api_error(error_code::unavailable), reply->request_id()));
    st.deadlines.pop_front();
  }
}

caf::behavior edge_actor(caf::stateful_actor<edge_state>* self, services svc) {
  self->delayed_send(self, sweep_interval, sweep_deadlines_atom::value);
  return {
      [self, svc](http_call_ptr& call) {
        self->state.deadlines.emplace_back(std::chrono::steady_clock::now() + call_deadline,
                                           call->reply);
        edge_context ctx{self, svc};
        call->rt->answer_in_edge(ctx, call->req, call->params, std::move(call->reply));
      },
      [self](sweep_deadlines_atom) {
        sweep_deadlines(self->state);
        self->delayed_send(self, sweep_interval, sweep_deadlines_atom::value);
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
