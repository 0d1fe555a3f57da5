#include "actors/auth/auth_actor.hpp"

#include "actors/auth/hasher.hpp"
#include "actors/auth/secrets.hpp"
#include "actors/runtime/db_calls.hpp"
#include "actors/runtime/db_errors.hpp"
#include "actors/runtime/entity_region.hpp"
#include "protocol/credentials.hpp"
#include "protocol/errors.hpp"
#include "storage/identity_repository.hpp"
#include "telemetry/json_log.hpp"

#include <caf/all.hpp>

namespace delta::auth {

namespace {

using protocol::errc;
using protocol::make_error;
namespace repo = storage::identity;

using reload_atom = caf::atom_constant<caf::atom("reload")>;

using auth_impl = protocol::auth_actor::extend<
    caf::reacts_to<runtime::db_reply_atom, std::uint64_t, storage::pg_reply>,
    caf::reacts_to<reload_atom>, caf::reacts_to<protocol::subscribe_atom, caf::actor>>;

struct auth_state {
  static inline const char* name = "delta.auth";
  storage::pg_pool* pool = nullptr;
  protocol::slot_ptr<caf::actor> hasher;
  protocol::slot_ptr<caf::actor> sessions;
  protocol::slot_ptr<protocol::entitlements_ptr> entitlements;
  auth_options options;
  runtime::db_calls db;
  std::vector<caf::actor> subscribers;  // credential caches to invalidate
  // Reloads may overlap (the periodic one and one after an admin change):
  // only a reload issued later than the last applied one may replace it.
  std::uint64_t reloads_issued = 0;
  std::uint64_t reload_applied = 0;
};

using auth_self = auth_impl::stateful_pointer<auth_state>;

// Runs `steps`, then `on_ok` with the results, or delivers the error.
template <class Promise, class F>
void db_then(auth_self self, Promise promise, std::vector<storage::pg_statement> steps,
             bool transaction, F on_ok) {
  self->state.db.call(self, *self->state.pool, std::move(steps), transaction,
                      [promise, on_ok](storage::pg_reply& reply) mutable {
                        if (!reply.ok()) {
  promise.deliver(runtime::domain_error_of(*reply.error));
  return;
}
                        on_ok(promise, reply.results);
                      });
}

void notify(auth_self self, caf::message msg) {
  for (auto& s : self->state.subscribers) caf::anon_send(s, msg);
}

// Reloads the tier table; `then` runs after this reload was applied (or failed).
void reload_entitlements(auth_self self, std::function<void(const storage::pg_reply&)> then = {}) {
  auto seq = ++self->state.reloads_issued;
  self->state.db.call(self, *self->state.pool, {repo::all_tiers()}, false,
                      [self, seq, then](storage::pg_reply& reply) {
                        auto& st = self->state;
                        if (reply.ok() && seq > st.reload_applied) {
                          st.reload_applied = seq;
                          st.entitlements->set(std::make_shared<const protocol::entitlement_table>(
                              repo::to_entitlements(reply.results.at(0))));
                        }
                        if (then) then(reply);
                      });
}

protocol::tier_view tier_of(auth_self self, const std::string& tier) {
  auto table = self->state.entitlements->get();
  if (table)
    if (auto* t = table->find(tier)) return *t;
  return {tier, 0, 0, {}};
}

caf::result<protocol::user_view> register_user(auth_self self, protocol::register_request req) {
  auto promise = self->make_response_promise<protocol::user_view>();
  self->request(self->state.hasher->get(), caf::infinite, hash_password_atom::value, req.password)
      .then(
          [self, promise, req](const std::string& hash) mutable {
            db_then(self, promise, {repo::insert_user(req.email, hash, req.display_name)}, false,
                    [](auto& p, std::vector<storage::pg_result>& results) {
                      p.deliver(repo::to_user(results.at(0).rows.at(0)));
                    });
          },
          [promise](caf::error& err) mutable { promise.deliver(make_error(errc::unavailable)); });
  return promise;
}

void finish_login(auth_self self, caf::typed_response_promise<protocol::login_result> promise,
                  protocol::user_view user) {
  auto token = random_secret(protocol::session_token_scheme);
  auto ttl = self->state.options.session_ttl.count();
  db_then(self, promise, {repo::insert_session(protocol::sha256_hex(token), user.user_id, ttl)},
          false, [token, user](auto& p, std::vector<storage::pg_result>& results) {
            p.deliver(protocol::login_result{token, results.at(0).rows.at(0).at(0).value_or(""), user});
          });
}

caf::result<protocol::login_result> login(auth_self self, const std::string& email,
                                          const std::string& password) {
  auto promise = self->make_response_promise<protocol::login_result>();
  db_then(self, promise, {repo::user_by_email(email)}, false,
          [self, password](auto& p, std::vector<storage::pg_result>& results) {
            auto& rows = results.at(0).rows;
            // Unknown email and wrong password take the same path and time:
            // the unknown one is verified against a decoy hash.
            std::optional<protocol::user_view> user;
            std::string hash = decoy_password_hash();
            if (!rows.empty()) {
              user = repo::to_user(rows.front());
              hash = rows.front().at(6).value_or(hash);
            }
            self->request(self->state.hasher->get(), caf::infinite, verify_password_atom::value, hash,
                          password)
                .then(
                    [self, p, user](bool ok) mutable {
                      if (!ok || !user || !user->active)
                        {
  p.deliver(make_error(errc::unauthorized));
  return;
}
                      finish_login(self, p, *user);
                    },
                    [p](caf::error&) mutable { p.deliver(make_error(errc::unavailable)); });
          });
  return promise;
}

caf::result<protocol::api_key_view> create_key(auth_self self, const std::string& user_id,
                                               const std::string& name, std::int64_t days) {
  auto promise = self->make_response_promise<protocol::api_key_view>();
  auto key = random_secret(protocol::api_key_scheme);
  auto prefix = key.substr(0, protocol::api_key_prefix_length);
  db_then(self, promise,
          repo::insert_key_within_limit(user_id, name, prefix, protocol::sha256_hex(key), days),
          true, [key](auto& p, std::vector<storage::pg_result>& results) {
            auto& insert = results.at(1);
            if (insert.rows.empty())
              {
  p.deliver(make_error(errc::limit_reached));
  return;
}
            auto view = repo::to_keys(insert).front();
            view.key = key;
            p.deliver(std::move(view));
          });
  return promise;
}

caf::result<bool> revoke_key(auth_self self, const std::string& user_id, const std::string& key_id) {
  auto promise = self->make_response_promise<bool>();
  db_then(self, promise, {repo::revoke_key(user_id, key_id)}, false,
          [self](auto& p, std::vector<storage::pg_result>& results) {
            auto& rows = results.at(0).rows;
            if (rows.empty()) {
  p.deliver(make_error(errc::not_found));
  return;
}
            // Caches forget the key before the caller hears "revoked"
            // (messages between two actors arrive in order).
            notify(self, caf::make_message(protocol::invalidate_key_atom::value,
                                           rows.front().at(0).value_or("")));
            p.deliver(true);
          });
  return promise;
}

template <class Statement>
caf::result<protocol::tier_view> change_tier(auth_self self, const std::string& tier,
                                             Statement statement) {
  auto promise = self->make_response_promise<protocol::tier_view>();
  db_then(self, promise, {statement}, false,
          [self, tier](auto& p, std::vector<storage::pg_result>& results) {
            if (results.at(0).rows.empty()) {
  p.deliver(make_error(errc::not_found));
  return;
}
            // Reload now, so this node applies the change at once.
            reload_entitlements(self, [self, p, tier](const storage::pg_reply& reply) mutable {
              if (!reply.ok()) {
                p.deliver(runtime::domain_error_of(*reply.error));
                return;
              }
              p.deliver(tier_of(self, tier));
            });
          });
  return promise;
}

caf::result<protocol::user_view> patch_user(auth_self self, const std::string& user_id,
                                            const protocol::user_patch& patch) {
  auto promise = self->make_response_promise<protocol::user_view>();
  db_then(self, promise, {repo::patch_user(user_id, patch)}, false,
          [self, user_id](auto& p, std::vector<storage::pg_result>& results) {
            if (results.at(0).rows.empty()) {
  p.deliver(make_error(errc::not_found));
  return;
}
            auto msg = caf::make_message(protocol::invalidate_user_atom::value, user_id);
            notify(self, msg);
            if (auto sessions = self->state.sessions->get())
              caf::anon_send(sessions, runtime::broadcast_atom::value, msg);
            p.deliver(repo::to_user(results.at(0).rows.front()));
          });
  return promise;
}

auth_impl::behavior_type auth_actor(auth_self self, storage::pg_pool* pool,
                                    protocol::slot_ptr<caf::actor> hasher,
                                    protocol::slot_ptr<protocol::entitlements_ptr> entitlements,
                                    protocol::slot_ptr<caf::actor> sessions, auth_options options) {
  auto& st = self->state;
  st.pool = pool;
  st.hasher = std::move(hasher);
  st.sessions = std::move(sessions);
  st.entitlements = std::move(entitlements);
  st.options = options;
  reload_entitlements(self);
  self->delayed_send(self, std::chrono::milliseconds(200), reload_atom::value);
  self->set_down_handler([self](caf::down_msg& down) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const caf::actor& a) { return a.address() == down.source; }),
               subs.end());
  });
  return {
      [self](protocol::resolve_key_atom, const std::string& key_hash) {
        auto promise = self->make_response_promise<protocol::principal>();
        db_then(self, promise, {repo::key_principal(key_hash)}, false,
                [](auto& p, std::vector<storage::pg_result>& results) {
                  auto who = repo::to_principal(results.at(0), "api_key");
                  if (!who) {
  p.deliver(make_error(errc::unauthorized));
  return;
}
                  p.deliver(std::move(*who));
                });
        return promise;
      },
      [self](protocol::register_atom, protocol::register_request& req) {
        return register_user(self, std::move(req));
      },
      [self](protocol::login_atom, const std::string& email, const std::string& password) {
        return login(self, email, password);
      },
      [self](protocol::create_key_atom, const std::string& user_id, const std::string& name,
             std::int64_t days) { return create_key(self, user_id, name, days); },
      [self](protocol::list_keys_atom, const protocol::key_query& q) {
        auto promise = self->make_response_promise<protocol::api_key_page>();
        db_then(self, promise, repo::list_keys(q), false,
                [](auto& p, std::vector<storage::pg_result>& results) { p.deliver(repo::to_key_page(results)); });
        return promise;
      },
      [self](protocol::revoke_key_atom, const std::string& user_id, const std::string& key_id) {
        return revoke_key(self, user_id, key_id);
      },
      [self](protocol::list_tiers_atom) -> caf::result<std::vector<protocol::tier_view>> {
        auto table = self->state.entitlements->get();
        if (!table) return make_error(errc::unavailable);
        return table->tiers;
      },
      [self](protocol::set_feature_atom, const std::string& tier, const std::string& feature,
             bool enabled) {
        return change_tier(self, tier, repo::set_feature(tier, feature, enabled));
      },
      [self](protocol::patch_tier_atom, const std::string& tier, const protocol::tier_patch& patch) {
        return change_tier(self, tier, repo::patch_tier(tier, patch));
      },
      [self](protocol::patch_user_atom, const std::string& user_id, const protocol::user_patch& patch) {
        return patch_user(self, user_id, patch);
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
      [self](reload_atom) {
        reload_entitlements(self);
        // Until a first table is loaded (PostgreSQL still starting), retry soon.
        auto next = self->state.entitlements->get() ? self->state.options.entitlements_refresh
                                                    : std::chrono::milliseconds(200);
        self->delayed_send(self, next, reload_atom::value);
      },
      [self](protocol::subscribe_atom, const caf::actor& subscriber) {
        self->monitor(subscriber);
        self->state.subscribers.push_back(subscriber);
      },
  };
}

}  // namespace

protocol::auth_actor spawn_auth_actor(caf::local_actor& parent, storage::pg_pool& pool,
                                      protocol::slot_ptr<caf::actor> hasher,
                                      protocol::slot_ptr<protocol::entitlements_ptr> entitlements,
                                      protocol::slot_ptr<caf::actor> sessions_region,
                                      auth_options options) {
  return parent.spawn(auth_actor, &pool, std::move(hasher), std::move(entitlements),
                      std::move(sessions_region), options);
}

}  // namespace delta::auth
