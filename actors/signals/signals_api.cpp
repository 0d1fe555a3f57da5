// The pipeline's API actor: ingest with group commit, and the reads.
//
// Group commit (runtime::commit_batcher): submissions queue up while an
// INSERT is running; each INSERT takes everything queued (at most batch_max
// rows) in one statement, so concurrent requests share one commit. A
// submission is answered only from the INSERT's reply, i.e. after its
// commit; if the INSERT fails, every submission in it gets the error
// (nothing is acknowledged that is not stored).
#include "actors/runtime/commit_batcher.hpp"
#include "actors/runtime/db_calls.hpp"
#include "actors/runtime/db_errors.hpp"
#include "actors/signals/pipeline.hpp"
#include "actors/signals/signal_metrics.hpp"
#include "protocol/errors.hpp"

#include <caf/all.hpp>

#include <random>
#include <unordered_map>

namespace delta::signals {

namespace {

using protocol::errc;
using protocol::make_error;

using api_impl = protocol::signals_actor::extend<caf::reacts_to<runtime::db_reply_atom, std::uint64_t, storage::pg_reply>>;

struct waiting {
  storage::signals::new_event event;
  caf::typed_response_promise<protocol::signal_receipt> promise;
};

struct api_state {
  static inline const char* name = "delta.signals.api";
  storage::pg_pool* pool = nullptr;
  signals_options options;
  protocol::slot_ptr<caf::actor> pipeline;
  std::shared_ptr<std::atomic<int>> room;  // the driver's
  runtime::db_calls db;
  runtime::commit_batcher<waiting> batcher{512, 2};
  std::mt19937_64 rng{std::random_device{}()};
};

using api_self = api_impl::stateful_pointer<api_state>;

// A version 4 UUID.
std::string new_event_id(std::mt19937_64& rng) {
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

storage::signals::event_row row_of(const storage::signals::new_event& e) {
  storage::signals::event_row row;
  row.event_id = e.event_id;
  row.owner = e.owner;
  row.symbol = e.symbol;
  row.side = e.side;
  row.price = e.price;
  row.strategy = e.strategy;
  row.profile = e.profile;
  row.models = e.models;
  row.status = "received";
  row.next_stage = "enrich";
  return row;
}

void flush(api_self self);
void insert_alone(api_self self, waiting w);

void committed(api_self self, std::vector<waiting>& batch, std::size_t leased, storage::pg_reply& reply) {
  auto& st = self->state;
  st.batcher.finished();
  if (!reply.ok() && batch.size() > 1 && reply.error->kind != storage::pg_failure::unavailable) {
    // One row PostgreSQL refuses (a user deleted meanwhile, say) must not
    // fail the requests it was batched with: each goes again on its own.
    for (auto& w : batch) insert_alone(self, std::move(w));
  } else if (!reply.ok()) {
    auto err = runtime::domain_error_of(*reply.error);
    for (auto& w : batch) w.promise.deliver(err);
  } else {
    std::unordered_map<std::string, std::string> received;
    for (auto& r : storage::signals::to_receipts(reply.results.at(0))) received.emplace(r.event_id, r.received_ts);
    event_list fresh;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto& w = batch[i];
      auto it = received.find(w.event.event_id);
      if (it == received.end()) {
        w.promise.deliver(make_error(errc::internal, "event missing from the insert's rows"));
        continue;
      }
      w.promise.deliver(protocol::signal_receipt{w.event.event_id, "received", it->second});
      if (i < leased) fresh.push_back(row_of(w.event));
    }
    metrics::received().inc(received.size());
    // Rows not handed over wait for the driver's claim; telling it so makes
    // it claim as soon as it has room rather than at its next tick.
    bool left_to_claim = leased < batch.size();
    if (auto driver = st.pipeline ? st.pipeline->get() : caf::actor{}; driver && (!fresh.empty() || left_to_claim))
      caf::anon_send(driver, handoff_atom::value, std::move(fresh), left_to_claim);
  }
  flush(self);
}

// A row of a failed batch, inserted by itself (never handed over: the
// driver's claim takes it).
void insert_alone(api_self self, waiting w) {
  auto& st = self->state;
  auto step = storage::signals::insert_batch({w.event}, st.options.lease.count(), 0);
  st.db.call(self, *st.pool, {std::move(step)}, false, [w = std::move(w)](storage::pg_reply& reply) mutable {
    if (!reply.ok()) return void(w.promise.deliver(runtime::domain_error_of(*reply.error)));
    auto receipts = storage::signals::to_receipts(reply.results.at(0));
    if (receipts.empty()) return void(w.promise.deliver(make_error(errc::internal, "event missing from the insert's rows")));
    metrics::received().inc();
    w.promise.deliver(protocol::signal_receipt{w.event.event_id, "received", receipts[0].received_ts});
  });
}

void flush(api_self self) {
  auto& st = self->state;
  for (auto next = st.batcher.next(); !next.empty(); next = st.batcher.next()) {
    auto batch = std::make_shared<std::vector<waiting>>(std::move(next));
    std::vector<storage::signals::new_event> rows;
    rows.reserve(batch->size());
    for (auto& w : *batch) rows.push_back(w.event);
    // The first `leased` go to this node's driver in memory; it counts them
    // again when they arrive, this only keeps two batches from both taking the room.
    auto leased = std::min<std::size_t>(rows.size(), static_cast<std::size_t>(std::max(0, st.room->load())));
    st.room->fetch_sub(static_cast<int>(leased));
    st.db.call(self, *st.pool, {storage::signals::insert_batch(rows, st.options.lease.count(), leased)}, false,
               [self, batch, leased](storage::pg_reply& reply) { committed(self, *batch, leased, reply); });
  }
}

caf::result<protocol::signal_receipt> submit(api_self self, const protocol::signal_submission& s) {
  auto& st = self->state;
  storage::signals::new_event e{new_event_id(st.rng), s.owner_user_id, s.source, s.symbol, s.side,
                                s.price ? std::optional<double>{*s.price} : std::nullopt,
                                s.strategy, s.ts, s.profile, s.models};
  auto promise = self->make_response_promise<protocol::signal_receipt>();
  st.batcher.push({std::move(e), promise});
  flush(self);
  return promise;
}

template <class T, class Convert>
caf::result<T> read(api_self self, std::vector<storage::pg_statement> steps, Convert convert) {
  return self->state.db.template answer<T>(self, *self->state.pool, std::move(steps), convert,
                                                [](const storage::pg_error& e) { return runtime::domain_error_of(e); });
}

api_impl::behavior_type api_actor(api_self self, storage::pg_pool* pool, signals_options options,
                                  protocol::slot_ptr<caf::actor> pipeline, std::shared_ptr<std::atomic<int>> room) {
  self->state.pool = pool;
  self->state.room = std::move(room);
  self->state.batcher = {static_cast<std::size_t>(options.batch_max), options.batches_in_flight};
  self->state.options = std::move(options);
  self->state.pipeline = std::move(pipeline);
  return {
      [self](protocol::signal_submit_atom, const protocol::signal_submission& s) { return submit(self, s); },
      [self](protocol::signal_get_atom, const std::string& id) {
        return read<protocol::signal_document>(
            self, {storage::signals::document(id)},
            [id](std::vector<storage::pg_result>& r) -> caf::expected<protocol::signal_document> {
              auto doc = storage::signals::to_document(r.at(0));
              if (!doc) return make_error(errc::not_found);
              return protocol::signal_document{id, doc->owner, doc->json};
            });
      },
      [self](protocol::signal_list_atom, const protocol::signal_query& q) {
        return read<protocol::signal_page>(
            self, storage::signals::list(q.owner_user_id, q.symbol, q.status, q.limit, q.offset),
            [](std::vector<storage::pg_result>& r) -> caf::expected<protocol::signal_page> {
              auto p = storage::signals::to_page(r);
              return protocol::signal_page{p.total, p.items_json};
            });
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
  };
}

}  // namespace

protocol::signals_actor spawn_signals_api(caf::local_actor& parent, storage::pg_pool& pool,
                                          const signals_options& options, const signals_handles& handles) {
  auto api = parent.spawn(api_actor, &pool, options, handles.pipeline, handles.room);
  return caf::actor_cast<protocol::signals_actor>(api);
}

}  // namespace delta::signals
