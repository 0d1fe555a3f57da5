#include "actors/jobs/scheduler.hpp"

#include "actors/jobs/messages.hpp"
#include "core/rfc3339.hpp"
#include "actors/runtime/db_calls.hpp"
#include "storage/jobs_repository.hpp"
#include "telemetry/json_log.hpp"

#include <caf/all.hpp>

namespace delta::jobs {

namespace {

struct scheduler_state {
  static inline const char* name = "delta.jobs.scheduler";
  storage::pg_pool* pool = nullptr;
  std::vector<named_schedule> schedules;
  runtime::db_calls db;
};

using scheduler_self = caf::stateful_actor<scheduler_state>*;

tick_time now_utc() { return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

std::string rfc3339(tick_time t) { return core::format_rfc3339(std::chrono::time_point_cast<std::chrono::system_clock::duration>(t)); }

// Arms the timer of schedule `index` for its first tick after `after`.
void arm(scheduler_self self, std::size_t index, tick_time after) {
  auto next = self->state.schedules[index].when.next_after(after);
  if (!next) return;
  auto delay = std::max(*next - now_utc(), std::chrono::milliseconds(0));
  self->delayed_send(self, delay, tick_atom::value, static_cast<std::uint64_t>(index),
                     static_cast<std::int64_t>(next->time_since_epoch().count()));
}

void on_tick(scheduler_self self, std::size_t index, tick_time tick) {
  auto& st = self->state;
  auto& s = st.schedules.at(index);
  storage::jobs::new_job job;
  job.kind = s.kind;
  job.max_attempts = 3;
  auto at = rfc3339(tick);
  st.db.call(self, *st.pool, {storage::jobs::claim_tick(s.kind, at, job)}, false,
             [kind = s.kind, at](storage::pg_reply& reply) {
               if (!reply.ok())
                 telemetry::log_warn("scheduled tick not claimed", {{"kind", kind}, {"tick", at},
                                                                    {"error", reply.error->message}});
               else if (!reply.results.at(0).rows.empty())
                 telemetry::log_info("scheduled job enqueued", {{"kind", kind}, {"tick", at}});
             });
  // The timer may fire a little early or late: never schedule the same tick twice.
  arm(self, index, std::max(tick, now_utc()));
}

caf::behavior scheduler_actor(scheduler_self self, storage::pg_pool* pool, std::vector<named_schedule> schedules) {
  self->state.pool = pool;
  self->state.schedules = std::move(schedules);
  for (std::size_t i = 0; i < self->state.schedules.size(); ++i) arm(self, i, now_utc());
  return {
      [self](tick_atom, std::uint64_t index, std::int64_t tick_ms) {
        on_tick(self, static_cast<std::size_t>(index), tick_time{std::chrono::milliseconds(tick_ms)});
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
  };
}

}  // namespace

caf::actor spawn_scheduler(caf::local_actor& parent, storage::pg_pool& pool, std::vector<named_schedule> schedules) {
  return parent.spawn(scheduler_actor, &pool, std::move(schedules));
}

}  // namespace delta::jobs
