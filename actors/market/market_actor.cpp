#include "actors/market/market_actor.hpp"

#include "actors/market/bar_plan.hpp"
#include "actors/market/indicator_report.hpp"
#include "domain/market/indicator_spec.hpp"
#include "actors/market/security_cache.hpp"
#include "actors/runtime/db_calls.hpp"
#include "actors/runtime/db_errors.hpp"
#include "protocol/errors.hpp"
#include "storage/candle_repository.hpp"
#include "storage/security_repository.hpp"
#include "telemetry/json_log.hpp"

#include <caf/all.hpp>

#include <functional>
#include <unordered_map>

namespace delta::market {

namespace {

using protocol::errc;
using protocol::make_error;

using partitions_atom = caf::atom_constant<caf::atom("cdlparts")>;

// Monthly candle partitions are created this far ahead, checked this often
// (sooner again after a failure, e.g. PostgreSQL down at start-up).
constexpr int partition_months_ahead = 3;
constexpr auto partition_check_interval = std::chrono::hours(6);
constexpr auto partition_retry_interval = std::chrono::minutes(1);

// The public interface plus the pool's replies and the partition timer,
// which only the actor sees.
using market_impl = protocol::market_actor::extend<
    caf::reacts_to<runtime::db_reply_atom, std::uint64_t, storage::pg_reply>,
    caf::reacts_to<partitions_atom>>;

// What a lookup by ticker continues with: the security or the error.
using security_then = std::function<void(caf::expected<protocol::security>&)>;

struct market_state {
  static inline const char* name = "delta.market";
  market_state() : cache(std::chrono::seconds(30), 100000) {}
  storage::pg_pool* pool = nullptr;
  security_cache cache;
  runtime::db_calls db;
  // Concurrent lookups of one uncached ticker share one query.
  std::unordered_map<std::string, std::vector<security_then>> waiting;
};

using market_self = market_impl::stateful_pointer<market_state>;

void answer_lookup(market_self self, const std::string& ticker, storage::pg_reply& reply) {
  auto waiting = std::move(self->state.waiting[ticker]);
  self->state.waiting.erase(ticker);
  auto answer = [&](caf::expected<protocol::security> found) {
    for (auto& then : waiting) then(found);
  };
  if (!reply.ok()) {
    // Stale-if-error: a known security is better than a 503 while PostgreSQL is away.
    if (auto* stale = self->state.cache.any(ticker);
        stale && reply.error->kind == storage::pg_failure::unavailable)
      return answer(*stale);
    return answer(runtime::domain_error_of(*reply.error));
  }
  auto found = storage::securities::to_security(reply.results.at(0));
  if (!found) {
    self->state.cache.erase(ticker);
    return answer(make_error(errc::not_found));
  }
  self->state.cache.put(*found, security_cache::clock::now());
  answer(*found);
}

// Runs `then` with the security of `ticker`: from the cache when fresh,
// else from PostgreSQL (one query for all concurrent lookups of a ticker).
void with_security(market_self self, const std::string& ticker, security_then then) {
  auto& st = self->state;
  if (auto* hit = st.cache.fresh(ticker, security_cache::clock::now())) {
    caf::expected<protocol::security> found{*hit};
    return then(found);
  }
  auto& waiting = st.waiting[ticker];
  waiting.push_back(std::move(then));
  if (waiting.size() == 1)
    st.db.call(self, *st.pool, {storage::securities::by_ticker(ticker)}, false,
               [self, ticker](storage::pg_reply& reply) { answer_lookup(self, ticker, reply); });
}

caf::result<protocol::security> get_security(market_self self, const std::string& ticker) {
  if (auto* hit = self->state.cache.fresh(ticker, security_cache::clock::now())) return *hit;
  auto promise = self->make_response_promise<protocol::security>();
  with_security(self, ticker, [promise](caf::expected<protocol::security>& found) mutable {
    if (found) promise.deliver(*found);
    else promise.deliver(found.error());
  });
  return promise;
}

caf::result<protocol::security_page> find_securities(market_self self,
                                                     const protocol::security_query& query) {
  auto promise = self->make_response_promise<protocol::security_page>();
  self->state.db.call(self, *self->state.pool, storage::securities::search(query), false,
                      [self, promise](storage::pg_reply& reply) mutable {
                        if (!reply.ok()) {
                          promise.deliver(runtime::domain_error_of(*reply.error));
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
                          promise.deliver(runtime::domain_error_of(*reply.error));
                          return;
                        }
                        auto created = storage::securities::to_security(reply.results.at(0));
                        self->state.cache.put(*created, security_cache::clock::now());
                        promise.deliver(*created);
                      });
  return promise;
}

// ---- market data ----

// Runs `steps` for the security of `ticker` and answers `promise` with
// `convert(results)`, or the error (unknown ticker: not_found).
template <class T, class Steps, class Convert>
caf::result<T> query_by_security(market_self self, const std::string& ticker, Steps steps,
                                 Convert convert) {
  auto promise = self->make_response_promise<T>();
  with_security(self, ticker, [self, promise, steps = std::move(steps), convert = std::move(convert)](
                                  caf::expected<protocol::security>& found) mutable {
    if (!found) {
      promise.deliver(found.error());
      return;
    }
    self->state.db.call(self, *self->state.pool, steps(found->security_id), false,
                        [promise, convert](storage::pg_reply& reply) mutable {
                          if (!reply.ok()) promise.deliver(runtime::domain_error_of(*reply.error));
                          else promise.deliver(convert(reply.results));
                        });
  });
  return promise;
}

storage::pg_statement bars_of(const std::string& security_id, const market::bar_fetch& f) {
  return storage::candles::bars(security_id, f.timeframe_seconds, f.rows_from, f.rows_until,
                                f.count, f.newest, f.skip);
}

caf::result<protocol::upsert_counts> ingest_candles(market_self self, const protocol::candle_batch& batch) {
  return query_by_security<protocol::upsert_counts>(
      self, batch.ticker,
      [candles = batch.candles](const std::string& id) {
        return std::vector<storage::pg_statement>{storage::candles::upsert(id, candles)};
      },
      [](const std::vector<storage::pg_result>& r) { return storage::candles::to_counts(r.at(0)); });
}

// The range's bar count with the page, in one round trip.
caf::result<protocol::candle_page> get_prices(market_self self, const protocol::price_query& q) {
  return query_by_security<protocol::candle_page>(
      self, q.ticker,
      [f = market::price_fetch(q.range, q.offset)](const std::string& id) {
        return std::vector<storage::pg_statement>{
            storage::candles::bar_count(id, f.timeframe_seconds, f.rows_from, f.rows_until), bars_of(id, f)};
      },
      [](const std::vector<storage::pg_result>& r) {
        return protocol::candle_page{storage::candles::to_candles(r.at(1)), r.at(0).first_integer()};
      });
}

caf::result<protocol::indicator_report> get_indicators(market_self self,
                                                       const protocol::indicator_query& q) {
  auto fetches = market::indicator_fetches(q.range, market::warmup_bars(q.specs));
  return query_by_security<protocol::indicator_report>(
      self, q.ticker,
      [fetches](const std::string& id) {
        std::vector<storage::pg_statement> steps;
        for (auto& f : fetches) steps.push_back(bars_of(id, f));
        return steps;
      },
      [range = q.range, specs = q.specs](const std::vector<storage::pg_result>& results) {
        std::vector<std::vector<protocol::candle>> answers;
        for (auto& r : results) answers.push_back(storage::candles::to_candles(r));
        auto input = market::assemble(range, std::move(answers));
        return protocol::indicator_report{market::compute_all(specs, input.bars, input.first_point)};
      });
}

// Creates next months' candle partitions before rows arrive for them (rows
// of a month without one would land in the default partition).
void ensure_partitions(market_self self) {
  self->state.db.call(
      self, *self->state.pool, {storage::candles::ensure_partitions(partition_months_ahead)}, false,
      [self](storage::pg_reply& reply) {
        if (!reply.ok()) {
          telemetry::log_warn("cannot create candle partitions", {{"error", reply.error->message}});
          self->delayed_send(self, partition_retry_interval, partitions_atom::value);
          return;
        }
        if (auto created = storage::candles::to_created(reply.results.at(0)))
          telemetry::log_info("candle partitions created", {{"count", created}});
        self->delayed_send(self, partition_check_interval, partitions_atom::value);
      });
}

market_impl::behavior_type market_actor(market_self self, storage::pg_pool* pool,
                                        market_options options) {
  self->state.pool = pool;
  self->state.cache = security_cache{options.cache_ttl, options.cache_max_entries};
  self->send(self, partitions_atom::value);
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
      [self](protocol::ingest_candles_atom, const protocol::candle_batch& batch) {
        return ingest_candles(self, batch);
      },
      [self](protocol::get_prices_atom, const protocol::price_query& q) { return get_prices(self, q); },
      [self](protocol::get_indicators_atom, const protocol::indicator_query& q) {
        return get_indicators(self, q);
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
      [self](partitions_atom) { ensure_partitions(self); },
  };
}

}  // namespace

protocol::market_actor spawn_market_actor(caf::local_actor& parent, storage::pg_pool& pool,
                                          market_options options) {
  return parent.spawn(market_actor, &pool, options);
}

}  // namespace delta::market
