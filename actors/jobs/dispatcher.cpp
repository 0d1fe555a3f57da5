#include "actors/jobs/dispatcher.hpp"

#include "actors/jobs/job_events.hpp"
#include "actors/jobs/messages.hpp"
#include "actors/runtime/db_calls.hpp"
#include "actors/runtime/work_window.hpp"
#include "storage/pg_listener.hpp"
#include "telemetry/json_log.hpp"
#include "telemetry/metrics_registry.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace delta::jobs {

namespace {

using steady = std::chrono::steady_clock;

constexpr const char* notify_channel = "delta_jobs";
constexpr const char* all_statuses[] = {"queued", "running", "succeeded", "failed", "dead", "cancelled"};

struct running_entry {
  caf::actor entity;
  std::string kind;
  std::string owner;
  int attempts = 1;
};

struct pending_completion {
  storage::jobs::finished_job job;
  std::string kind;
  std::string owner;
};

struct job_id_of {
  const std::string& operator()(const storage::jobs::claimed_job& j) const { return j.job_id; }
};

struct dispatcher_state {
  static inline const char* name = "delta.jobs.dispatcher";
  dispatcher_config cfg;
  runtime::db_calls db;
  // Claims ahead (up to `concurrency` more than run: they start the moment a
  // slot frees, so the claim's round trip is hidden behind running work),
  // the backlog, and the drain.
  runtime::work_window<storage::jobs::claimed_job, job_id_of> window{{}};
  std::unordered_map<std::string, running_entry> running;
  std::unordered_map<caf::actor_addr, std::string> by_entity;
  std::vector<pending_completion> completions;
  bool flush_in_flight = false;
  caf::response_promise drain_promise;
  steady::time_point depth_at{};
  std::unique_ptr<storage::pg_listener> listener;  // stopped (joined) when the state goes
};

using dispatcher_self = caf::stateful_actor<dispatcher_state>*;

const std::string& node_of(dispatcher_state& st) { return st.cfg.entities->node; }
storage::pg_pool& pool_of(dispatcher_state& st) { return *st.cfg.entities->pool; }

telemetry::gauge& running_gauge(const std::string& node) {
  return telemetry::global_metrics()
      .gauge_family("delta_jobs_running", "Jobs running on this node")
      .with({{"node", node}});
}

void count_outcome(const std::string& kind, const std::string& outcome) {
  telemetry::global_metrics()
      .counter_family("delta_jobs_finished_total", "Job attempts by outcome")
      .with({{"kind", kind}, {"outcome", outcome}})
      .inc();
}

void maybe_claim(dispatcher_self self, runtime::claim_trigger why);
void check_drain(dispatcher_self self);

void forget(dispatcher_state& st, std::unordered_map<std::string, running_entry>::iterator it) {
  st.window.finished(it->first);
  st.by_entity.erase(it->second.entity.address());
  st.running.erase(it);
  running_gauge(node_of(st)).set(static_cast<double>(st.running.size()));
}

void start_ready(dispatcher_self self) {
  auto& st = self->state;
  while (auto next = st.window.next()) {
    auto job = std::move(*next);
    running_entry entry{{}, job.kind, job.owner, job.attempts};
    auto id = job.job_id;
    entry.entity = spawn_job_entity(*self, st.cfg.entities, std::move(job));
    st.by_entity.emplace(entry.entity.address(), id);
    st.running.emplace(std::move(id), std::move(entry));
  }
  running_gauge(node_of(st)).set(static_cast<double>(st.running.size()));
}

void on_claimed(dispatcher_self self, storage::pg_reply& reply) {
  auto& st = self->state;
  if (!reply.ok()) {
    // The next wake or poll tries again; no retry loop against a database that is down.
    telemetry::log_warn("job claim failed", {{"error", reply.error->message}});
    st.window.claim_failed();
    return check_drain(self);
  }
  auto claimed = storage::jobs::to_claimed(reply.results);
  telemetry::global_metrics().counter_family("delta_jobs_claimed_total", "Jobs claimed by this node")
      .with({}).inc(static_cast<std::uint64_t>(claimed.size()));
  // Claimed while draining are not taken: the release hands them back.
  st.window.claimed(std::move(claimed));
  start_ready(self);
  maybe_claim(self, runtime::claim_trigger::room);
  check_drain(self);
}

void maybe_claim(dispatcher_self self, runtime::claim_trigger why) {
  auto& st = self->state;
  // Backpressure: do not outrun the completion batches.
  if (st.completions.size() >= static_cast<std::size_t>(st.cfg.concurrency) * 4) return st.window.note(why);
  auto plan = st.window.plan_claim(why);
  if (!plan) return;
  st.db.call(self, pool_of(st),
             storage::jobs::claim(node_of(st), plan->size, st.cfg.entities->lease.length().count(), plan->full_scan),
             false, [self](storage::pg_reply& reply) { on_claimed(self, reply); });
}

void publish_completed(dispatcher_state& st, const std::vector<pending_completion>& batch,
                       const std::vector<std::string>& confirmed) {
  if (!st.cfg.entities->events || !st.cfg.entities->events->get()) return;
  std::unordered_set<std::string> ok(confirmed.begin(), confirmed.end());
  for (auto& c : batch)
    if (ok.count(c.job.job_id))
      publish(st.cfg.entities->events, {c.job.job_id, c.kind, c.owner, "succeeded", 100, c.job.result, caf::none});
}

void flush(dispatcher_self self) {
  auto& st = self->state;
  if (st.flush_in_flight || st.completions.empty()) return;
  auto batch = std::make_shared<std::vector<pending_completion>>(std::move(st.completions));
  st.completions.clear();
  std::vector<storage::jobs::finished_job> done;
  done.reserve(batch->size());
  for (auto& c : *batch) done.push_back(c.job);
  st.flush_in_flight = true;
  st.db.call(self, pool_of(st), {storage::jobs::complete(node_of(st), done)}, false,
             [self, batch](storage::pg_reply& reply) {
               auto& st = self->state;
               st.flush_in_flight = false;
               if (!reply.ok()) {
                 // Kept for the next poll; if our leases expire first the
                 // jobs run again elsewhere (at-least-once).
                 telemetry::log_warn("job completion batch failed", {{"error", reply.error->message},
                                                                     {"jobs", static_cast<std::int64_t>(batch->size())}});
                 st.completions.insert(st.completions.begin(), batch->begin(), batch->end());
                 return check_drain(self);
               }
               publish_completed(st, *batch, storage::jobs::to_ids(reply.results.at(0)));
               flush(self);
               maybe_claim(self, runtime::claim_trigger::room);
               check_drain(self);
             });
}

void on_done(dispatcher_self self, const std::string& job_id, const std::string& outcome, std::string& result) {
  auto& st = self->state;
  auto it = st.running.find(job_id);
  if (it == st.running.end()) return;
  count_outcome(it->second.kind, outcome);
  if (outcome == "succeeded")
    st.completions.push_back({{job_id, std::move(result)}, it->second.kind, it->second.owner});
  forget(st, it);
  start_ready(self);
  flush(self);
  maybe_claim(self, runtime::claim_trigger::room);
  check_drain(self);
}

// A cancel for a job claimed ahead but not started: it never runs.
void cancel_ready(dispatcher_self self, const std::string& job_id) {
  auto& st = self->state;
  if (!st.window.remove_waiting([&](const storage::jobs::claimed_job& j) { return j.job_id == job_id; })) return;
  st.db.call(self, pool_of(st), {storage::jobs::mark_cancelled(job_id, node_of(st))}, false,
             [](storage::pg_reply&) {});
  maybe_claim(self, runtime::claim_trigger::room);
}

// An entity ended without reporting (its handler threw): a failed attempt.
void on_entity_crashed(dispatcher_self self, const caf::exit_msg& msg) {
  auto& st = self->state;
  auto by = st.by_entity.find(msg.source);
  if (by == st.by_entity.end()) return;
  auto it = st.running.find(by->second);
  auto job_id = by->second;
  auto attempts = it->second.attempts;
  count_outcome(it->second.kind, "crashed");
  forget(st, it);
  start_ready(self);
  auto error = "handler crashed: " + self->system().render(msg.reason);
  telemetry::log_error("job handler crashed", {{"job_id", job_id}, {"error", error}});
  auto delay = st.cfg.entities->backoff.delay(attempts, 0.5);
  st.db.call(self, pool_of(st), {storage::jobs::fail(job_id, node_of(st), error, delay.count(), false)}, false,
             [](storage::pg_reply&) {});
  maybe_claim(self, runtime::claim_trigger::room);
  check_drain(self);
}

void refresh_depth(dispatcher_self self) {
  auto& st = self->state;
  auto now = steady::now();
  if (now - st.depth_at < st.cfg.depth_interval) return;
  st.depth_at = now;
  st.db.call(self, pool_of(st), {storage::jobs::depth()}, false, [](storage::pg_reply& reply) {
    if (!reply.ok()) return;
    auto& family = telemetry::global_metrics().gauge_family("delta_jobs_queue_depth", "Jobs by status");
    for (auto* status : all_statuses) family.with({{"status", status}}).set(0);
    for (auto& [status, count] : storage::jobs::to_depth(reply.results.at(0)))
      family.with({{"status", status}}).set(static_cast<double>(count));
  });
}

void release_and_answer(dispatcher_self self) {
  auto& st = self->state;
  if (!st.window.release()) return;
  // One statement gives back every lease of this node: running, claimed ahead, claimed while draining.
  st.db.call(self, pool_of(st), {storage::jobs::release_leases(node_of(st))}, false,
             [self](storage::pg_reply& reply) {
               auto released = reply.ok() ? static_cast<std::int64_t>(reply.results.at(0).rows.size()) : -1;
               telemetry::log_info("job leases released", {{"node", node_of(self->state)}, {"jobs", released}});
               self->state.drain_promise.deliver(released);
             });
}

void check_drain(dispatcher_self self) {
  auto& st = self->state;
  if (!st.window.drained() || st.flush_in_flight) return;
  if (!st.completions.empty()) return flush(self);
  release_and_answer(self);
}

// The drain timeout: stop what still runs; its jobs are released, not failed.
void stop_running(dispatcher_self self) {
  auto& st = self->state;
  for (auto& [id, entry] : st.running) {
    self->unlink_from(entry.entity);
    self->send_exit(entry.entity, caf::exit_reason::user_shutdown);
  }
  st.running.clear();
  st.by_entity.clear();
  st.window.stop_all_running();
  check_drain(self);
}

void start_listener(dispatcher_self self) {
  auto& st = self->state;
  if (st.cfg.listen_url.empty()) return;
  // A weak handle: the listener must not keep a terminated dispatcher around.
  caf::weak_actor_ptr weak = caf::actor_cast<caf::weak_actor_ptr>(self->ctrl());
  auto to_dispatcher = [weak] { return caf::actor_cast<caf::actor>(weak.lock()); };
  storage::listener_options options{st.cfg.listen_url, notify_channel, 2, 2000};
  st.listener = std::make_unique<storage::pg_listener>(
      options,
      [to_dispatcher](std::vector<std::string> payloads) {
        auto dispatcher = to_dispatcher();
        if (!dispatcher) return;
        bool enqueued = false;
        for (auto& p : payloads) {
          if (p.rfind("cancel:", 0) == 0) caf::anon_send(dispatcher, job_stop_atom::value, p.substr(7));
          else enqueued = true;
        }
        if (enqueued) caf::anon_send(dispatcher, wake_atom::value);
      },
      [to_dispatcher] {
        if (auto dispatcher = to_dispatcher()) caf::anon_send(dispatcher, wake_atom::value);
      });
  st.listener->start();
}

void start(dispatcher_self self) {
  auto& st = self->state;
  st.db.call(self, pool_of(st), {storage::jobs::release_leases(node_of(st))}, false,
             [self](storage::pg_reply& reply) {
               if (reply.ok() && !reply.results.at(0).rows.empty())
                 telemetry::log_warn("released the leases of a previous dispatcher",
                                     {{"jobs", static_cast<std::int64_t>(reply.results[0].rows.size())}});
               self->state.window.started();
               maybe_claim(self, runtime::claim_trigger::wake);
             });
  start_listener(self);
  self->delayed_send(self, st.cfg.poll_interval, poll_atom::value);
}

caf::behavior dispatcher_actor(dispatcher_self self, dispatcher_config cfg) {
  self->state.cfg = std::move(cfg);
  // Claims ahead as many as run; claims again as soon as a slot frees while
  // a backlog is known. Job entities renew their own leases (lease.hpp).
  self->state.window = decltype(self->state.window){runtime::work_window_config{
      self->state.cfg.concurrency, 2 * self->state.cfg.concurrency, 1, self->state.cfg.entities->lease.renew_every()}};
  self->set_exit_handler([self](caf::exit_msg& msg) {
    // A linked entity's normal end (its job_done came first): nothing to do.
    if (!msg.reason || msg.reason == caf::exit_reason::normal) return;
    if (self->state.by_entity.count(msg.source)) return on_entity_crashed(self, msg);
    self->quit(msg.reason);  // our supervisor tells us to stop
  });
  start(self);
  return {
      [self](wake_atom) { maybe_claim(self, runtime::claim_trigger::wake); },
      [self](poll_atom) {
        maybe_claim(self, runtime::claim_trigger::tick);
        flush(self);
        refresh_depth(self);
        self->delayed_send(self, self->state.cfg.poll_interval, poll_atom::value);
      },
      [self](job_stop_atom, const std::string& job_id) {
        auto it = self->state.running.find(job_id);
        if (it != self->state.running.end()) self->send(it->second.entity, job_stop_atom::value);
        else cancel_ready(self, job_id);
      },
      [self](job_done_atom, const std::string& job_id, const std::string& outcome, std::string& result) {
        on_done(self, job_id, outcome, result);
      },
      [self](drain_atom, std::int64_t timeout_ms) -> caf::result<std::int64_t> {
        auto& st = self->state;
        if (st.window.draining() || st.window.phase() == runtime::window_phase::released)
          return caf::make_error(caf::sec::runtime_error, "already draining");
        st.window.begin_drain(steady::now(), std::chrono::milliseconds(timeout_ms));
        st.drain_promise = self->make_response_promise();
        self->delayed_send(self, std::chrono::milliseconds(timeout_ms), drain_deadline_atom::value);
        check_drain(self);
        return caf::delegated<std::int64_t>{};
      },
      [self](drain_deadline_atom) {
        if (self->state.window.draining()) stop_running(self);
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
  };
}

}  // namespace

caf::actor spawn_dispatcher(caf::local_actor& parent, dispatcher_config config) {
  return parent.spawn(dispatcher_actor, std::move(config));
}

}  // namespace delta::jobs
