#pragma once
// The scheduler of periodic jobs (jobs.schedules): a timer per schedule; at
// each tick every node tries to insert (kind, tick) into job_schedule_ticks
// and the one whose insert wins enqueues the tick's job in the same
// statement, so each tick runs exactly once in the cluster whatever the
// number of nodes. A node that is down at a tick does not replay it later.

#include "actors/jobs/schedule.hpp"

#include <caf/fwd.hpp>

#include <vector>

namespace delta::storage {
class pg_pool;
}

namespace delta::jobs {

caf::actor spawn_scheduler(caf::local_actor& parent, storage::pg_pool& pool,
                           std::vector<named_schedule> schedules);

}  // namespace delta::jobs
