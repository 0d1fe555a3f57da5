#pragma once
// Messages between the jobs actors of one node (never sent across nodes:
// only atoms, strings and integers, so they need no registration).

#include <caf/atom.hpp>

namespace delta::jobs {

// To the dispatcher: work may be due (NOTIFY, a release, a poll).
using wake_atom = caf::atom_constant<caf::atom("jobwake")>;
// Dispatcher timer: poll for due work and refresh the queue gauges.
using poll_atom = caf::atom_constant<caf::atom("jobpoll")>;
// (job_stop_atom, job_id): cancel requested for a running job; the
// dispatcher forwards it to the job's entity.
using job_stop_atom = caf::atom_constant<caf::atom("jobstop")>;
// Entity -> dispatcher: (job_done_atom, job_id, outcome, result). outcome is
// succeeded (result: JSON text; the dispatcher records it in a batch),
// failed, dead, cancelled or lost (already recorded, or not recordable).
using job_done_atom = caf::atom_constant<caf::atom("jobdone")>;
// (drain_atom, timeout_ms) -> released leases (int64): stop claiming, let
// running jobs finish within the timeout, stop the rest and release them.
using drain_atom = caf::atom_constant<caf::atom("jobdrain")>;
using drain_deadline_atom = caf::atom_constant<caf::atom("jobdrdl")>;
// Entity timers: renew the lease; run a handler's delayed callback.
using renew_atom = caf::atom_constant<caf::atom("jobrenew")>;
using handler_timer_atom = caf::atom_constant<caf::atom("jobtimer")>;
// Scheduler timer: (tick_atom, schedule index, tick time in ms since epoch).
using tick_atom = caf::atom_constant<caf::atom("jobtick")>;

}  // namespace delta::jobs
