#pragma once
// The dispatcher of one node: claims due jobs in batches (FOR UPDATE SKIP
// LOCKED in the repository) up to `concurrency` running at once plus as many
// claimed ahead (leased, started the moment a slot frees: the claim's round
// trip hides behind running work), spawns a job entity per started job
// (linked: they die with it), and records the
// successes those entities report in batches: while one completion UPDATE
// is in flight the next ones accumulate, so under load one statement
// finishes many jobs and under light load a job waits for nothing.
//
// Woken by PostgreSQL LISTEN/NOTIFY (storage::pg_listener on its own thread
// and connection: enqueues, releases and cancel requests) with a polling
// fallback every poll_interval (retries whose backoff ended, missed
// notifications, expired leases of dead nodes).
//
// On start it releases the leases still held under its node id (a previous
// incarnation's jobs, after a crash and restart), so they run again at once.
// On drain_atom (graceful shutdown) it stops claiming, lets running jobs
// finish until the timeout, stops the rest and releases their leases.

#include "actors/jobs/job_entity.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace delta::jobs {

struct dispatcher_config {
  int concurrency = 64;  // running jobs per node
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds depth_interval{5000};  // refresh of the queue-depth gauges
  std::string listen_url;  // the database for LISTEN; empty: polling only
  std::shared_ptr<const entity_config> entities;  // pool, node id, handlers, lease, backoff, events
};

caf::actor spawn_dispatcher(caf::local_actor& parent, dispatcher_config config);

}  // namespace delta::jobs
