#pragma once
// The jobs domain of one node, ready for the root supervisor:
//   jobs supervisor
//   ├── dispatcher  (claims, spawns a linked job entity per running job)
//   ├── scheduler   (periodic jobs, once per tick in the cluster)
//   └── api         (protocol::jobs_actor for the HTTP routes)
//
// Wiring in cmd/node.cpp (the lead's):
//   storage::jobs::register_statements(pool);             // before pool.start()
//   auto kinds = std::make_shared<jobs::handler_registry>();
//   jobs::add_builtin_kinds(*kinds);                       // + research_report
//   jobs::jobs_handles jobs_h;                              // slots for callers
//   root children += runtime::supervisor_child(
//       jobs::jobs_supervisor(pool, jobs::options_of(s, s.database.url), kinds, jobs_h));
//   ...on SIGTERM, before stopping the root supervisor:
//   jobs::drain_jobs(system, jobs_h, std::chrono::seconds(s.jobs.shutdown_timeout_seconds));

#include "core/backoff.hpp"
#include "actors/jobs/handler_registry.hpp"
#include "actors/runtime/supervisor.hpp"
#include "protocol/actor_slot.hpp"
#include "protocol/jobs.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace delta::storage {
class pg_pool;
}

namespace delta::jobs {

struct jobs_options {
  std::string node_id;  // the lease owner; empty: make_node_id()
  int concurrency = 64;
  std::chrono::milliseconds lease{std::chrono::seconds(30)};
  std::chrono::milliseconds poll_interval{1000};
  std::string schedules;   // jobs.schedules: "kind=cron;kind=@every 5m"
  std::string listen_url;  // LISTEN/NOTIFY connection; empty: polling only
  core::backoff_config backoff;
  protocol::slot_ptr<caf::actor> events;  // job_event subscriber (live stream); may be null
};

struct jobs_handles {
  protocol::slot_ptr<caf::actor> dispatcher = std::make_shared<protocol::actor_slot<caf::actor>>();
  protocol::slot_ptr<protocol::jobs_actor> api = std::make_shared<protocol::actor_slot<protocol::jobs_actor>>();
};

// "<hostname>-<pid>-<random>": unique per process, readable in lease_owner.
std::string make_node_id();

// Throws std::invalid_argument (with a message naming the problem) for bad
// schedules, a scheduled kind without a handler, or a lease too short to renew.
runtime::supervisor_spec jobs_supervisor(storage::pg_pool& pool, jobs_options options,
                                         std::shared_ptr<const handler_registry> handlers, jobs_handles handles);

// Graceful shutdown, from a thread outside the actor system (main): the
// dispatcher stops claiming, waits up to `timeout` for running jobs, stops
// the others and releases every lease of this node so another node takes
// those jobs at once. Returns the number of released jobs, -1 on failure.
std::int64_t drain_jobs(caf::actor_system& system, const jobs_handles& handles,
                        std::chrono::milliseconds timeout);

}  // namespace delta::jobs
