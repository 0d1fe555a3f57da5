#include "actors/market/market_actor.hpp"

#include "actors/market/security_cache.hpp"
#include "actors/runtime/db_calls.hpp"
#include "protocol/errors.hpp"
#include "storage/security_repository.hpp"

#include <caf/all.hpp>

#include <unordered_map>

namespace delta::market {

namespace {

using protocol::errc;
using protocol::make_error;

// The public interface plus the pool's replies, which only the actor sees.
using market_impl = protocol::market_actor::extend<
    caf::reacts_to<runtime::db_reply_atom, std::uint64_t, storage::pg_reply>>;

struct market_state {
  static inline const char* name = "delta.market";
  market_state() : cache(std::chrono::seconds(30), 100000) {}
  storage::pg_pool* pool = nullptr;
  security_cache cache;
  runtime::db_calls db;
  // Concurrent lookups of one uncached ticker share one query.
  std::unordered_map<std::string, std::vector<caf::typed_response_promise<protocol::security>>>
      waiting;
};

using market_self = market_impl::stateful_pointer<market_state>;

caf::error reply_error(const storage::pg_error& e) {
  return e.kind == storage::pg_failure::unavailable ? make_error(errc::unavailable, e.message)
                                                    : make_error(errc::internal, e.message);
}

void answer_lookup(market_self self, const std::string& ticker, storage::pg_reply& reply) {
  auto promises = std::move(self->state.waiting[ticker]);
  self->state.waiting.erase(ticker);
  auto now = security_cache::clock::now();
  if (!reply.ok()) {
    // Stale-if-error: a known security is better than a 503 while PostgreSQL is away.
    if (auto* stale = self->state.cache.any(ticker);
        stale && reply.error->kind == storage::pg_failure::unavailable) {
      for (auto& p : promises) p.deliver(*stale);
      return;
    }
    for (auto& p : promises) p.deliver(reply_error(*reply.error));
    return;
  }
  auto found = storage::securities::to_security(reply.results.at(0));
  if (!found) {
    self->state.cache.erase(ticker);
    for (auto& p : promises) p.deliver(make_error(errc::not_found));
    return;
  }
  self->state.cache.put(*found, now);
  for (auto& p : promises) p.deliver(*found);
}

caf::result<protocol::security> get_security(market_self self, const std::string& ticker) {
  auto& st = self->state;
  if (auto* hit = st.cache.fresh(ticker, security_cache::clock::now())) return *hit;
  auto promise = self->make_response_promise<protocol::security>();
  auto& waiting = st.waiting[ticker];
  waiting.push_back(promise);
  if (waiting.size() == 1)
    st.db.call(self, *st.pool, {storage::securities::by_ticker(ticker)}, false,
               [self, ticker](storage::pg_reply& reply) { answer_lookup(self, ticker, reply); });
  return promise;
}

caf::result<protocol::security_page> find_securities(market_self self,
                                                     const protocol::security_query& query) {
  auto promise = self->make_response_promise<protocol::security_page>();
  self->state.db.call(self, *self->state.pool, storage::securities::search(query), false,
                      [self, promise](storage::pg_reply& reply) mutable {
                        if (!reply.ok()) {
                          promise.deliver(reply_error(*reply.error));
                          return;
                        }
                        auto page = storage::securities::to_page(reply.results);
                        auto now = security_cache::clock::now();
                        for (auto& s : page.items) self->state.cache.put(s, now);
                        promise.deliver(std::move(page));
                      });
  return promise;
}

caf::result<protocol::security> create_security(market_self self, const protocol::new_security& s) {
  auto promise = self->make_response_promise<protocol::security>();
  self->state.db.call(self, *self->state.pool, {storage::securities::insert(s)}, false,
                      [self, promise](storage::pg_reply& reply) mutable {
                        if (!reply.ok()) {
                          promise.deliver(reply.error->kind == storage::pg_failure::constraint
                                              ? make_error(errc::conflict, reply.error->message)
                                              : reply_error(*reply.error));
                          return;
                        }
                        auto created = storage::securities::to_security(reply.results.at(0));
                        self->state.cache.put(*created, security_cache::clock::now());
                        promise.deliver(*created);
                      });
  return promise;
}

market_impl::behavior_type market_actor(market_self self, storage::pg_pool* pool,
                                        market_options options) {
  self->state.pool = pool;
  self->state.cache = security_cache{options.cache_ttl, options.cache_max_entries};
  return {
      [self](protocol::get_security_atom, const std::string& ticker) {
        return get_security(self, ticker);
      },
      [self](protocol::find_securities_atom, const protocol::security_query& query) {
        return find_securities(self, query);
      },
      [self](protocol::create_security_atom, const protocol::new_security& s) {
        return create_security(self, s);
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
  };
}

}  // namespace

protocol::market_actor spawn_market_actor(caf::local_actor& parent, storage::pg_pool& pool,
                                          market_options options) {
  return parent.spawn(market_actor, &pool, options);
}

}  // namespace delta::market
