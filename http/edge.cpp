#include "http/edge.hpp"

#include "http/api_error.hpp"
#include "http/authorization.hpp"
#include "http/credential_cache.hpp"
#include "http/credentials.hpp"
#include "protocol/entity.hpp"
#include "protocol/errors.hpp"
#include "protocol/local_message.hpp"
#include "protocol/ratelimit.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <ctime>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>

namespace delta::http {

namespace {

// One request on its way from an asio thread to the edge actor. Local only.
struct http_call {
  const route* rt;
  request req;
  path_params params;
  reply_ptr reply;
  presented_credential credential;  // hashed on the asio thread, off the scheduler
};

using http_call_ptr = std::shared_ptr<http_call>;

}  // namespace
}  // namespace delta::http

DELTA_LOCAL_MESSAGE(delta::http::http_call_ptr)

namespace delta::http {

namespace {

using sweep_deadlines_atom = caf::atom_constant<caf::atom("deadlines")>;

// Generous: domain actors answer in microseconds, PostgreSQL in
// milliseconds; this only bounds the wait for a stuck dependency.
constexpr auto call_deadline = std::chrono::seconds(10);
constexpr auto sweep_interval = std::chrono::milliseconds(500);
constexpr auto key_cache_ttl = std::chrono::seconds(2);

// What resolving a presented credential comes to: a principal (none for an
// anonymous request), or the error to answer.
struct resolution {
  std::optional<protocol::principal> who;
  std::optional<error_code> failure;
};
using resolved_fn = std::function<void(const resolution&)>;

struct edge_state {
  static inline const char* name = "delta.edge";
  // Calls waiting for an answer, one FIFO lane per deadline length: within a
  // lane arrival order is deadline order, so adding a call is a push_back
  // (no allocation per request) and the sweep only looks at each front.
  struct deadline_lane {
    std::chrono::steady_clock::duration length;
    std::deque<std::pair<std::chrono::steady_clock::time_point, std::weak_ptr<pending_reply>>> calls;
  };
  std::vector<deadline_lane> deadlines;
  credential_cache keys{key_cache_ttl, 100000};
  // Callers waiting for the auth actor to resolve one key (lookups are shared).
  std::unordered_map<std::string, std::vector<resolved_fn>> key_lookups;
  caf::actor_addr subscribed_to;  // the auth actor that sends us invalidations
};

using edge_self = caf::stateful_actor<edge_state>*;

void reject(const http_call_ptr& call, error_code code) {
  call->reply->send(error_response(make_api_error(code), call->req.request_id));
}

void run_handler(edge_self self, const services& svc, const http_call_ptr& call,
                 const protocol::principal* who) {
  edge_context ctx{self, svc, who};
  call->rt->answer_in_edge(ctx, call->req, call->params, call->reply);
}

caf::actor bucket_region(const services& svc, bucket_family family) {
  switch (family) {
    case bucket_family::ip: return svc.get(protocol::buckets_ip_service);
    case bucket_family::user: return svc.get(protocol::buckets_user_service);
    case bucket_family::key: return svc.get(protocol::buckets_key_service);
  }
  return {};
}

// Authorization, then the rate limit, then the handler.
void with_principal(edge_self self, const services& svc, const http_call_ptr& call,
                    std::optional<protocol::principal> who) {
  auto table = svc.get(protocol::entitlements_service);
  const protocol::principal* caller = who ? &*who : nullptr;
  // Until the tier table is first loaded, nothing that depends on it can be
  // decided: answer 503 rather than a wrong 403 or an hour-long 429.
  bool needs_table = !call->rt->feature.empty() ||
                     (caller && caller->auth_method == "api_key" && !call->rt->rate_group.empty());
  if (!table && needs_table) return reject(call, error_code::unavailable);
  switch (authorize(*call->rt, caller, table.get())) {
    case verdict::allow: break;
    case verdict::unauthenticated: return reject(call, error_code::unauthorized);
    case verdict::forbidden: return reject(call, error_code::forbidden);
    case verdict::not_entitled: return reject(call, error_code::not_entitled);
  }
  auto plan = plan_for(*call->rt, caller, call->req.remote_address, *svc.rates, table.get());
  if (!plan) return run_handler(self, svc, call, caller);
  auto region = bucket_region(svc, plan->family);
  if (!region) return reject(call, error_code::unavailable);
  self->request(region, caf::infinite, protocol::entity_atom::value, plan->bucket_key,
                caf::make_message(protocol::admit_atom::value, std::move(plan->request)))
      .then(
          [self, &svc, call, who = std::move(who)](const protocol::admit_decision& d) {
            call->reply->add_headers(rate_headers(d));
            if (!d.allowed) return reject(call, error_code::rate_limited);
            run_handler(self, svc, call, who ? &*who : nullptr);
          },
          // Fail closed: without a bucket nobody is counted, so nobody passes.
          [call](const caf::error&) { reject(call, error_code::unavailable); });
}

void resolve_key(edge_self self, const services& svc, const std::string& key_hash, resolved_fn then) {
  auto& st = self->state;
  auto hit = st.keys.find(key_hash, std::chrono::steady_clock::now(), std::time(nullptr));
  if (hit.hit) {
    if (!hit.who) return then({std::nullopt, error_code::unauthorized});
    return then({*hit.who, std::nullopt});
  }
  auto& waiting = st.key_lookups[key_hash];
  waiting.push_back(std::move(then));
  if (waiting.size() > 1) return;
  auto finish = [self, key_hash](const resolution& r) {
    auto callers = std::move(self->state.key_lookups[key_hash]);
    self->state.key_lookups.erase(key_hash);
    for (auto& c : callers) c(r);
  };
  self->request(svc.get(protocol::auth_service), caf::infinite, protocol::resolve_key_atom::value, key_hash)
      .then(
          [self, key_hash, finish](const protocol::principal& who) {
            self->state.keys.put(key_hash, who, std::chrono::steady_clock::now());
            finish({who, std::nullopt});
          },
          [self, key_hash, finish](const caf::error& err) {
            if (protocol::code_of(err) == protocol::errc::unauthorized) {
              self->state.keys.put(key_hash, std::nullopt, std::chrono::steady_clock::now());
              return finish({std::nullopt, error_code::unauthorized});
            }
            finish({std::nullopt, error_code::unavailable});
          });
}

void resolve_session(edge_self self, const services& svc, const std::string& token_hash, resolved_fn then) {
  auto region = svc.get(protocol::sessions_service);
  if (!region) return then({std::nullopt, error_code::unavailable});
  self->request(region, caf::infinite, protocol::entity_atom::value, token_hash,
                caf::make_message(protocol::resolve_atom::value))
      .then([then](const protocol::principal& who) { then({who, std::nullopt}); },
            [then](const caf::error& err) {
              then({std::nullopt, protocol::code_of(err) == protocol::errc::unauthorized
                                      ? error_code::unauthorized
                                      : error_code::unavailable});
            });
}

// Credentials -> principal, for HTTP requests and the live stream alike.
void resolve_credential(edge_self self, const services& svc, const presented_credential& credential,
                        resolved_fn then) {
  using kind = presented_credential::kind;
  switch (credential.type) {
    case kind::none: return then({std::nullopt, std::nullopt});
    case kind::malformed: return then({std::nullopt, error_code::unauthorized});
    case kind::api_key: return resolve_key(self, svc, credential.hash, std::move(then));
    case kind::session: return resolve_session(self, svc, credential.hash, std::move(then));
  }
}

void handle_call(edge_self self, const services& svc, const http_call_ptr& call) {
  if (!uses_credentials(*call->rt)) return with_principal(self, svc, call, std::nullopt);
  resolve_credential(self, svc, call->credential, [self, &svc, call](const resolution& r) {
    if (r.failure) return reject(call, *r.failure);
    with_principal(self, svc, call, r.who);
  });
}

// The live stream's first-message authentication: a principal, or an error
// (unauthorized for bad or missing credentials, unavailable otherwise).
caf::typed_response_promise<protocol::principal> whois(edge_self self, const services& svc,
                                                        const presented_credential& credential) {
  auto promise = self->make_response_promise<protocol::principal>();
  resolve_credential(self, svc, credential, [promise](const resolution& r) mutable {
    if (r.who) return static_cast<void>(promise.deliver(*r.who));
    auto code = !r.failure || *r.failure == error_code::unauthorized ? protocol::errc::unauthorized
                                                                    : protocol::errc::unavailable;
    promise.deliver(protocol::make_error(code));
  });
  return promise;
}

// Routes have a handful of deadline lengths, so the lane is found by a short scan.
void add_deadline(edge_state& st, std::chrono::steady_clock::duration length, const reply_ptr& reply) {
  auto lane = std::find_if(st.deadlines.begin(), st.deadlines.end(),
                           [&](const edge_state::deadline_lane& l) { return l.length == length; });
  if (lane == st.deadlines.end()) lane = st.deadlines.insert(st.deadlines.end(), {length, {}});
  lane->calls.emplace_back(std::chrono::steady_clock::now() + length, reply);
}

void sweep_deadlines(edge_state& st) {
  auto now = std::chrono::steady_clock::now();
  for (auto& lane : st.deadlines) {
    while (!lane.calls.empty() && lane.calls.front().first <= now) {
      if (auto reply = lane.calls.front().second.lock(); reply && !reply->answered())
        reply->send(error_response(make_api_error(error_code::unavailable), reply->request_id()));
      lane.calls.pop_front();
    }
  }
}

// The auth actor tells its subscribers when keys or users change; after it
// restarts, the new one needs to hear from us again.
void ensure_subscribed(edge_self self, const services& svc) {
  auto auth = caf::actor_cast<caf::actor>(svc.get(protocol::auth_service));
  if (!auth || auth.address() == self->state.subscribed_to) return;
  caf::anon_send(auth, protocol::subscribe_atom::value, caf::actor_cast<caf::actor>(self));
  self->state.subscribed_to = auth.address();
  // Anything cached before may have missed an invalidation.
  self->state.keys = credential_cache{key_cache_ttl, 100000};
}

caf::behavior edge_actor(edge_self self, services svc) {
  // The behavior's lambdas keep `svc` alive for the actor's lifetime, so
  // continuations may hold a reference to it.
  auto shared = std::make_shared<const services>(std::move(svc));
  ensure_subscribed(self, *shared);
  self->delayed_send(self, sweep_interval, sweep_deadlines_atom::value);
  return {
      [self, shared](http_call_ptr& call) {
        auto wait = call->rt->deadline.count() > 0
                        ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(call->rt->deadline)
                        : std::chrono::duration_cast<std::chrono::steady_clock::duration>(call_deadline);
        add_deadline(self->state, wait, call->reply);
        handle_call(self, *shared, call);
      },
      [self, shared](sweep_deadlines_atom) {
        sweep_deadlines(self->state);
        ensure_subscribed(self, *shared);
        self->delayed_send(self, sweep_interval, sweep_deadlines_atom::value);
      },
      [self, shared](whois_atom, const presented_credential& credential) {
        return whois(self, *shared, credential);
      },
      [self](protocol::invalidate_key_atom, const std::string& key_hash) {
        self->state.keys.forget_key(key_hash);
      },
      [self](protocol::invalidate_user_atom, const std::string& user_id) {
        self->state.keys.forget_user(user_id);
      },
  };
}

}  // namespace

caf::actor spawn_edge(caf::local_actor& parent, services svc) {
  return parent.spawn(edge_actor, std::move(svc));
}

dispatch_fn make_dispatch(protocol::slot_ptr<caf::actor> edge) {
  return [edge](const route& rt, request& req, path_params& params, reply_ptr reply) {
    auto credential = credential_of(req);
    auto call = std::make_shared<http_call>(http_call{&rt, std::move(req), std::move(params),
                                                      std::move(reply), std::move(credential)});
    // With no edge (restarting), dropping the call answers 503 (pending_reply).
    if (auto target = edge->get()) caf::anon_send(target, std::move(call));
  };
}

}  // namespace delta::http
