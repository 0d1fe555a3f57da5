// Session entities: one actor per live session, keyed by the token's
// SHA-256, spawned on first use by the sessions region and passivated when
// idle. State is reloaded from PostgreSQL (sessions are stored hashed with
// their expiry), and refreshed every 2 s so that an admin's change to the
// user (tier, role, deactivation) takes effect within seconds.
#include "actors/auth/auth_actor.hpp"
#include "actors/runtime/db_calls.hpp"
#include "actors/runtime/entity_region.hpp"
#include "protocol/errors.hpp"
#include "storage/identity_repository.hpp"

#include <caf/all.hpp>

#include <ctime>

namespace delta::auth {

namespace {

using protocol::errc;
using protocol::make_error;

constexpr auto refresh_after = std::chrono::seconds(2);

using session_impl = protocol::session_actor::extend<
    caf::reacts_to<runtime::db_reply_atom, std::uint64_t, storage::pg_reply>,
    caf::reacts_to<protocol::invalidate_user_atom, std::string>,
    caf::reacts_to<runtime::passivate_atom>>;

struct session_state {
  static inline const char* name = "delta.session";
  storage::pg_pool* pool = nullptr;
  std::string token_hash;
  std::optional<protocol::principal> who;
  std::chrono::steady_clock::time_point loaded_at;
  bool ended = false;  // logged out: final
  std::vector<caf::typed_response_promise<protocol::principal>> waiting;
  runtime::db_calls db;
};

using session_self = session_impl::stateful_pointer<session_state>;

bool expired(const protocol::principal& who) {
  return who.expires_at != 0 && who.expires_at <= static_cast<std::int64_t>(std::time(nullptr));
}

void answer_waiting(session_self self) {
  auto waiting = std::move(self->state.waiting);
  self->state.waiting.clear();
  for (auto& p : waiting) {
    if (self->state.who && !expired(*self->state.who)) p.deliver(*self->state.who);
    else p.deliver(make_error(errc::unauthorized));
  }
}

void load(session_self self) {
  self->state.db.call(self, *self->state.pool,
                      {storage::identity::session_principal(self->state.token_hash)}, false,
                      [self](storage::pg_reply& reply) {
                        auto& st = self->state;
                        if (!reply.ok()) {
                          auto waiting = std::move(st.waiting);
                          st.waiting.clear();
                          for (auto& p : waiting) p.deliver(make_error(errc::unavailable));
                          return;
                        }
                        st.who = storage::identity::to_principal(reply.results.at(0), "session");
                        st.loaded_at = std::chrono::steady_clock::now();
                        answer_waiting(self);
                      });
}

caf::result<protocol::principal> resolve(session_self self) {
  auto& st = self->state;
  if (st.ended) return make_error(errc::unauthorized);
  if (st.who && std::chrono::steady_clock::now() - st.loaded_at < refresh_after) {
    if (expired(*st.who)) return make_error(errc::unauthorized);
    return *st.who;
  }
  auto promise = self->make_response_promise<protocol::principal>();
  st.waiting.push_back(promise);
  if (st.waiting.size() == 1) load(self);
  return promise;
}

session_impl::behavior_type session_entity(session_self self, storage::pg_pool* pool,
                                           std::string token_hash) {
  self->state.pool = pool;
  self->state.token_hash = std::move(token_hash);
  return {
      [self](protocol::resolve_atom) { return resolve(self); },
      [self](protocol::logout_atom) -> caf::result<bool> {
        auto promise = self->make_response_promise<bool>();
        self->state.db.call(self, *self->state.pool,
                            {storage::identity::revoke_session(self->state.token_hash)}, false,
                            [self, promise](storage::pg_reply& reply) mutable {
                              if (!reply.ok()) {
                                promise.deliver(make_error(errc::unavailable));
                                return;
                              }
                              self->state.ended = true;
                              self->state.who.reset();
                              promise.deliver(true);
                            });
        return promise;
      },
      [self](protocol::invalidate_user_atom, const std::string& user_id) {
        if (self->state.who && self->state.who->user_id == user_id) self->state.who.reset();
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
      [self](runtime::passivate_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_session_region(caf::local_actor& parent, storage::pg_pool& pool) {
  runtime::region_spec spec;
  spec.name = "sessions";
  spec.idle_timeout = std::chrono::minutes(10);
  spec.spawn_entity = [&pool](caf::local_actor& region, const std::string& key) {
    return caf::actor_cast<caf::actor>(region.spawn(session_entity, &pool, key));
  };
  return runtime::spawn_region(parent, std::move(spec));
}

}  // namespace delta::auth
