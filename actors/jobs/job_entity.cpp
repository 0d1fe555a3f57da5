#include "actors/jobs/job_entity.hpp"

#include "actors/jobs/job_events.hpp"
#include "actors/jobs/json_text.hpp"
#include "actors/jobs/messages.hpp"
#include "actors/runtime/db_calls.hpp"
#include "telemetry/json_log.hpp"
#include "telemetry/metrics_registry.hpp"

#include <caf/all.hpp>

#include <random>
#include <unordered_map>

namespace delta::jobs {

namespace {

using clock = lease_policy::clock;

struct entity_state;
using entity_self = caf::stateful_actor<entity_state>*;

// The handler's view of its job: every call lands in this actor's state.
class entity_context final : public job_context {
 public:
  explicit entity_context(entity_self self) : self_(self) {}
  const running_job& job() const override;
  void progress(int percent) override;
  void succeed(std::string result_json) override;
  void fail(std::string error, bool retryable) override;
  bool cancelling() const override;
  caf::event_based_actor* self() override;
  void query(std::vector<storage::pg_statement> steps, bool transaction,
             std::function<void(storage::pg_reply&)> then) override;
  void after(std::chrono::milliseconds delay, std::function<void()> then) override;

 private:
  entity_self self_;
};

struct entity_state {
  static inline const char* name = "delta.job";
  std::shared_ptr<const entity_config> config;
  caf::actor dispatcher;
  running_job job;
  std::unique_ptr<job_handler> handler;
  std::unique_ptr<entity_context> context;
  runtime::db_calls db;
  bool finished = false;  // the attempt's outcome is decided; later reports are ignored
  bool cancelling = false;
  clock::time_point started;
  clock::time_point renewed;
  int progress = -1;             // latest reported, -1 none
  bool progress_in_flight = false;
  int progress_recorded = -1;
  std::uint64_t next_timer = 1;
  std::unordered_map<std::uint64_t, std::function<void()>> timers;
};

double draw() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>{0.0, 1.0}(rng);
}

void observe(entity_state& st, const std::string& outcome) {
  auto seconds = std::chrono::duration<double>(clock::now() - st.started).count();
  auto& m = telemetry::global_metrics();
  m.histogram_family("delta_jobs_duration_seconds", "Time from a job attempt's start to its outcome")
      .with({{"kind", st.job.kind}, {"outcome", outcome}})
      .observe(seconds);
  if (outcome == "failed")
    m.counter_family("delta_jobs_retries_total", "Failed attempts scheduled for a retry")
        .with({{"kind", st.job.kind}})
        .inc();
  if (outcome == "dead")
    m.counter_family("delta_jobs_dead_letter_total", "Jobs moved to the dead-letter queue")
        .with({{"kind", st.job.kind}})
        .inc();
}

// Reports the outcome to the dispatcher and ends the actor.
void done(entity_self self, const std::string& outcome, std::string result = {}) {
  auto& st = self->state;
  if (outcome != "succeeded") observe(st, outcome);
  self->send(st.dispatcher, job_done_atom::value, st.job.job_id, outcome, std::move(result));
  self->quit();
}

void publish_status(entity_self self, const std::string& status, caf::optional<std::string> error = caf::none) {
  auto& st = self->state;
  publish(st.config->events, {st.job.job_id, st.job.kind, st.job.owner, status,
                              std::max(st.progress_recorded, 0), caf::none, std::move(error)});
}

void record_cancelled(entity_self self) {
  auto& st = self->state;
  st.db.call(self, *st.config->pool, {storage::jobs::mark_cancelled(st.job.job_id, st.config->node)}, false,
             [self](storage::pg_reply& reply) {
               bool recorded = reply.ok() && !reply.results.at(0).rows.empty();
               if (recorded) publish_status(self, "cancelled");
               done(self, recorded ? "cancelled" : "lost");
             });
}

// Cooperative stop: tell the handler, then record why it stopped.
void stop_handler(entity_self self, bool record_cancel) {
  auto& st = self->state;
  if (st.finished) return;
  st.finished = true;
  st.cancelling = true;
  st.timers.clear();
  if (st.handler) st.handler->cancel(*st.context);
  if (record_cancel) return record_cancelled(self);
  telemetry::log_warn("job lease lost, handler stopped", {{"job_id", st.job.job_id}, {"kind", st.job.kind}});
  done(self, "lost");
}

// The answer of a renewal or progress update: lease lost, cancel requested, or fine.
bool lease_still_held(entity_self self, storage::pg_reply& reply) {
  auto& st = self->state;
  if (!reply.ok()) {
    // PostgreSQL unreachable: keep working while the lease may still be ours.
    if (st.config->lease.holder_must_stop(st.renewed, clock::now())) stop_handler(self, false);
    return !st.finished;
  }
  auto check = storage::jobs::to_lease_check(reply.results.at(0));
  if (!check) stop_handler(self, false);
  else if (*check) stop_handler(self, true);
  return !st.finished;
}

void send_progress(entity_self self) {
  auto& st = self->state;
  st.progress_in_flight = true;
  int value = st.progress;
  st.db.call(self, *st.config->pool,
             {storage::jobs::report_progress(st.job.job_id, st.config->node, value)}, false,
             [self, value](storage::pg_reply& reply) {
               auto& st = self->state;
               st.progress_in_flight = false;
               if (!lease_still_held(self, reply) || !reply.ok()) return;
               st.progress_recorded = value;
               publish_status(self, "running");
               if (st.progress != value && !st.finished) send_progress(self);
             });
}

void renew(entity_self self) {
  auto& st = self->state;
  if (st.finished) return;
  auto asked = clock::now();
  st.db.call(self, *st.config->pool,
             {storage::jobs::renew_lease(st.job.job_id, st.config->node, st.config->lease.length().count())},
             false, [self, asked](storage::pg_reply& reply) {
               if (reply.ok() && !reply.results.at(0).rows.empty()) self->state.renewed = asked;
               if (lease_still_held(self, reply))
                 self->delayed_send(self, self->state.config->lease.renew_every(), renew_atom::value);
             });
}

void record_failure(entity_self self, std::string error, bool retryable) {
  auto& st = self->state;
  auto delay = st.config->backoff.delay(st.job.attempt, draw());
  st.db.call(self, *st.config->pool,
             {storage::jobs::fail(st.job.job_id, st.config->node, error, delay.count(), !retryable)}, false,
             [self, error](storage::pg_reply& reply) {
               if (!reply.ok() || reply.results.at(0).rows.empty()) return done(self, "lost");
               auto status = reply.results[0].rows[0][0].value_or("failed");
               publish_status(self, status, error);
               done(self, status);
             });
}

void start_handler(entity_self self) {
  auto& st = self->state;
  st.handler = st.config->handlers->make(st.job.kind);
  if (!st.handler) return st.context->fail("no handler for job kind " + st.job.kind + " on this node", false);
  st.handler->start(*st.context);
  if (!st.finished) self->delayed_send(self, st.config->lease.renew_every(), renew_atom::value);
}

}  // namespace

// ---- the context ----

const running_job& entity_context::job() const { return self_->state.job; }

caf::event_based_actor* entity_context::self() { return self_; }

bool entity_context::cancelling() const { return self_->state.cancelling; }

void entity_context::progress(int percent) {
  auto& st = self_->state;
  if (st.finished) return;
  st.progress = std::clamp(percent, 0, 100);
  if (!st.progress_in_flight) send_progress(self_);
}

void entity_context::succeed(std::string result_json) {
  auto& st = self_->state;
  if (st.finished) return;
  if (!is_json_object(result_json)) return fail("the handler's result is not a JSON object", false);
  st.finished = true;
  observe(st, "succeeded");
  done(self_, "succeeded", std::move(result_json));
}

void entity_context::fail(std::string error, bool retryable) {
  auto& st = self_->state;
  if (st.finished) return;
  st.finished = true;
  st.timers.clear();
  record_failure(self_, std::move(error), retryable);
}

void entity_context::query(std::vector<storage::pg_statement> steps, bool transaction,
                           std::function<void(storage::pg_reply&)> then) {
  auto& st = self_->state;
  st.db.call(self_, *st.config->pool, std::move(steps), transaction, std::move(then));
}

void entity_context::after(std::chrono::milliseconds delay, std::function<void()> then) {
  auto& st = self_->state;
  auto id = st.next_timer++;
  st.timers.emplace(id, std::move(then));
  self_->delayed_send(self_, delay, handler_timer_atom::value, id);
}

namespace {

caf::behavior job_entity(entity_self self, std::shared_ptr<const entity_config> config, caf::actor dispatcher,
                         storage::jobs::claimed_job claimed) {
  auto& st = self->state;
  st.config = std::move(config);
  st.dispatcher = std::move(dispatcher);
  st.job = {claimed.job_id, claimed.kind, claimed.payload, claimed.owner, claimed.attempts, claimed.max_attempts};
  st.context = std::make_unique<entity_context>(self);
  // A throwing handler ends this actor with the exception's text as the
  // reason; the dispatcher records it as the attempt's error.
  self->set_exception_handler([](caf::scheduled_actor*, std::exception_ptr& e) -> caf::error {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      return caf::make_error(caf::sec::runtime_error, x.what());
    } catch (...) {
      return caf::make_error(caf::sec::runtime_error, "unknown exception");
    }
  });
  st.started = st.renewed = clock::now();
  start_handler(self);
  return {
      [self](renew_atom) { renew(self); },
      [self](job_stop_atom) { stop_handler(self, true); },
      [self](handler_timer_atom, std::uint64_t id) {
        auto& timers = self->state.timers;
        auto it = timers.find(id);
        if (it == timers.end()) return;
        auto then = std::move(it->second);
        timers.erase(it);
        then();
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
  };
}

}  // namespace

caf::actor spawn_job_entity(caf::local_actor& dispatcher, std::shared_ptr<const entity_config> config,
                            storage::jobs::claimed_job job) {
  // Linked at spawn: it dies with its dispatcher, and the dispatcher hears of a crash.
  return dispatcher.spawn<caf::linked>(job_entity, std::move(config), caf::actor_cast<caf::actor>(&dispatcher),
                          std::move(job));
}

}  // namespace delta::jobs
