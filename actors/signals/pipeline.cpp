// The pipeline's driver: claims, leases, hands events to their next stage
// (see pipeline.hpp).
#include "actors/signals/pipeline.hpp"

#include "actors/runtime/db_calls.hpp"
#include "actors/runtime/drain.hpp"
#include "actors/runtime/work_window.hpp"
#include "actors/signals/signal_metrics.hpp"
#include "telemetry/json_log.hpp"

#include <caf/all.hpp>

#include <random>

namespace delta::signals {

namespace {

using storage::signals::event_row;

struct event_id_of {
  const std::string& operator()(const event_row& e) const { return e.event_id; }
};

struct driver_state {
  static inline const char* name = "delta.signals.pipeline";
  storage::pg_pool* pool = nullptr;
  signals_options options;
  signals_handles handles;
  runtime::db_calls db;
  // The events this driver holds (running or queued, at most twice the
  // concurrency: the rest of a backlog stays in the database, leased to
  // nobody, until there is room), the backlog, renewals and the drain.
  runtime::work_window<event_row, event_id_of> window{{}};
  caf::response_promise drain_promise;
  std::mt19937_64 rng{std::random_device{}()};
};

using driver_self = caf::stateful_actor<driver_state>*;

// Far beyond a stage's own bounds (an LLM call's deadline, a slot wait).
constexpr auto stage_timeout = std::chrono::minutes(10);

runtime::work_window_config window_config(const signals_options& o) {
  int hold = 2 * o.concurrency;
  auto renew_every = std::chrono::duration_cast<std::chrono::milliseconds>(o.lease / 3);
  // While a backlog is known, claim again once half the window is free:
  // fewer, larger claims.
  return {o.concurrency, hold, hold - hold / 2, renew_every};
}

caf::actor stage_actor(const driver_state& st, stage s) {
  switch (s) {
    case stage::enrich: return st.handles.enrich->get();
    case stage::evaluate: return st.handles.evaluate->get();
    case stage::publish: return st.handles.publish->get();
    case stage::none: break;
  }
  return {};
}

void pump(driver_self self);
void claim(driver_self self, runtime::claim_trigger why);

// Tells ingest how many fresh events to lease to this driver.
void publish_room(driver_state& st) { st.handles.room->store(st.window.room()); }

// The end of a drain: every lease this driver still holds goes back, so
// another node (or this one restarted) claims the events at once instead of
// after the lease runs out.
void release_held(driver_self self) {
  auto& st = self->state;
  auto ids = st.window.release();
  if (!ids) return;  // released already
  if (ids->empty()) return void(st.drain_promise.deliver(std::int64_t{0}));
  st.db.call(self, *st.pool, {storage::signals::release(*ids)}, false, [self, n = ids->size()](storage::pg_reply& reply) {
    auto released = reply.ok() ? static_cast<std::int64_t>(n) : std::int64_t{-1};
    telemetry::log_info("signal leases released", {{"events", released}});
    self->state.drain_promise.deliver(released);
  });
}

void release_if_drained(driver_self self) {
  if (self->state.window.drained()) release_held(self);
}

void finished(driver_self self, const event_row& e) {
  auto& st = self->state;
  st.window.finished(e.event_id);
  if (st.window.draining()) return release_if_drained(self);
  publish_room(st);
  pump(self);
  claim(self, runtime::claim_trigger::room);
}

// A failed attempt: retry after the backoff, or dead with a dlq_entries row.
void failed(driver_self self, event_row e, stage s, const std::string& reason) {
  auto& st = self->state;
  auto plan = on_failure(st.options.retry, e.attempts, std::uniform_real_distribution<double>{0.0, 1.0}(st.rng));
  auto stage_name = std::string{name_of(s)};
  auto step = plan.status == event_status::dead
                  ? storage::signals::bury(e.event_id, stage_name, plan.attempts, reason)
                  : storage::signals::fail(e.event_id, stage_name, plan.attempts, plan.retry_in.count(), reason);
  telemetry::log_warn("signal stage failed", {{"event_id", e.event_id}, {"stage", stage_name}, {"reason", reason},
                                              {"attempts", plan.attempts},
                                              {"dead", plan.status == event_status::dead}});
  st.db.call(self, *st.pool, {std::move(step)}, false, [self, e, dead = plan.status == event_status::dead](
                                                            storage::pg_reply& reply) {
    if (reply.ok() && dead) metrics::dead_letters().inc();
    // If the write failed, the lease runs out and a claim retries the stage.
    finished(self, e);
  });
}

void run(driver_self self, event_row e) {
  // Draining: the stage that just committed was the last one here. The
  // event stays held, so its lease goes back with the others and another
  // node goes on from the committed stage.
  if (auto& st = self->state; st.window.phase() != runtime::window_phase::running) {
    st.window.stopped();
    return release_if_drained(self);
  }
  auto s = parse_stage(e.next_stage).value_or(stage::none);
  if (s == stage::none) return finished(self, e);
  auto target = stage_actor(self->state, s);
  if (!target) return failed(self, std::move(e), s, "the " + std::string{name_of(s)} + " stage is not running");
  // Bounded: CAF 0.17 does not answer a request whose receiver died holding
  // its promise, and an unanswered event would stay held (and renewed).
  self->request(target, stage_timeout, stage_run_atom::value, e)
      .then(
          [self, s](bool ok, const std::string& detail, event_row& e) {
            if (!ok) return failed(self, std::move(e), s, detail);
            // In-memory hand-off to the next stage: the database already says so.
            e.next_stage = std::string{name_of(on_success(s).next)};
            e.status = std::string{name_of(on_success(s).status)};
            e.attempts = 0;
            run(self, std::move(e));
          },
          [self, e, s](const caf::error& err) mutable {
            failed(self, std::move(e), s, "the stage did not answer: " + caf::to_string(err));
          });
}

void pump(driver_self self) {
  while (auto e = self->state.window.next()) run(self, std::move(*e));
}

// Events the window cannot hold go back: their insert-time or claim lease
// is released, so the next claim (here or on another node) takes them in order.
void hand_back(driver_self self, std::vector<std::string> overflow) {
  if (overflow.empty()) return;
  self->state.db.call(self, *self->state.pool, {storage::signals::release(overflow)}, false,
                      [](storage::pg_reply&) {
                        // If this fails, the leases simply run out.
                      });
}

void take(driver_self self, event_list events, bool left_to_claim = false) {
  auto& st = self->state;
  auto before = st.window.held();
  auto overflow = st.window.offer(std::move(events), left_to_claim);
  metrics::enqueued().inc(st.window.held() - before);
  publish_room(st);
  pump(self);
  claim(self, runtime::claim_trigger::room);
  hand_back(self, std::move(overflow));
}

// Claims due events up to the window's room; a tick also refreshes the
// queue_depth gauge (a count over the backlog: once per tick, not per claim).
void claim(driver_self self, runtime::claim_trigger why) {
  auto& st = self->state;
  if (st.window.claim_in_flight()) return st.window.note(why);
  bool with_depth = why == runtime::claim_trigger::tick;
  auto plan = st.window.plan_claim(why);
  std::vector<storage::pg_statement> steps;
  if (with_depth) steps.push_back(storage::signals::queue_depth());
  if (plan) steps.push_back(storage::signals::claim(plan->size, st.options.lease.count()));
  if (steps.empty()) return;
  st.db.call(self, *st.pool, std::move(steps), false, [self, with_depth, claiming = plan.has_value()](
                                                           storage::pg_reply& reply) {
    auto& st = self->state;
    if (!reply.ok()) {  // PostgreSQL away: the next tick tries again
      if (claiming) st.window.claim_failed();
      return release_if_drained(self);
    }
    std::size_t at = 0;
    if (with_depth)
      metrics::queue_depth().set(static_cast<double>(storage::signals::to_count(reply.results.at(at++))));
    if (!claiming) return;
    auto before = st.window.held();
    auto overflow = st.window.claimed(storage::signals::to_events(reply.results.at(at)));
    metrics::enqueued().inc(st.window.held() - before);
    publish_room(st);
    pump(self);
    hand_back(self, std::move(overflow));
    if (st.window.draining()) return release_if_drained(self);
    claim(self, runtime::claim_trigger::room);
  });
}

void tick(driver_self self) {
  self->delayed_send(self, self->state.options.poll_interval, poll_atom::value);
  claim(self, runtime::claim_trigger::tick);
}

// Keeps the leases of held events from running out while they wait or run
// (an evaluation can outlast a lease when a provider is slow).
void renew(driver_self self) {
  auto& st = self->state;
  self->delayed_send(self, st.options.lease / 3, renew_atom::value);
  auto ids = st.window.renewals_due(std::chrono::steady_clock::now());
  if (ids.empty()) return;
  st.db.call(self, *st.pool, {storage::signals::renew(ids, st.options.lease.count())}, false,
             [](storage::pg_reply&) {
               // A failed renewal is retried at the next one; a lease that runs
               // out meanwhile only lets another node run a stage again.
             });
}

caf::behavior driver(driver_self self, storage::pg_pool* pool, signals_options options, signals_handles handles) {
  self->state.pool = pool;
  self->state.options = std::move(options);
  self->state.handles = std::move(handles);
  self->state.window = runtime::work_window<event_row, event_id_of>{window_config(self->state.options)};
  self->state.window.started();
  publish_room(self->state);
  // Resume at once: whatever a previous run left unfinished and unleased.
  self->send(self, poll_atom::value);
  self->delayed_send(self, self->state.options.lease / 3, renew_atom::value);
  return {
      [self](handoff_atom, event_list& events, bool left_to_claim) { take(self, std::move(events), left_to_claim); },
      [self](poll_atom) { tick(self); },
      [self](renew_atom) { renew(self); },
      [self](drain_atom, std::int64_t timeout_ms) {
        auto& st = self->state;
        auto rp = self->make_response_promise();
        if (st.window.phase() != runtime::window_phase::running) {  // one drain at a time
          rp.deliver(std::int64_t{-1});
          return rp;
        }
        st.drain_promise = rp;
        st.window.begin_drain(std::chrono::steady_clock::now(), std::chrono::milliseconds(timeout_ms));
        publish_room(st);
        if (st.window.drained()) release_held(self);
        else self->delayed_send(self, std::chrono::milliseconds(timeout_ms), drain_deadline_atom::value);
        return st.drain_promise;
      },
      [self](drain_deadline_atom) { release_held(self); },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
  };
}

}  // namespace

std::int64_t drain_signals(caf::actor_system& system, const signals_handles& handles,
                           std::chrono::milliseconds timeout) {
  auto driver = handles.pipeline->get();
  if (!driver) return 0;  // an ingest-only node holds no leases
  return runtime::request_drain<drain_atom>(system, driver, timeout);
}

caf::actor spawn_pipeline(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options,
                          signals_handles handles) {
  return parent.spawn(driver, &pool, options, std::move(handles));
}

}  // namespace delta::signals
