#pragma once
// The entity actor of one running job (one attempt): spawned by the
// dispatcher for each claimed job, it creates the kind's handler, runs it,
// renews the lease every lease_policy::renew_every(), records progress,
// honours a cancel request cooperatively, records failures (retry with
// backoff, or dead) and cancellation through the repository, and tells the
// dispatcher when it is done. Successes go to the dispatcher, which records
// them in batches (one UPDATE for many jobs).

#include "core/backoff.hpp"
#include "actors/jobs/handler_registry.hpp"
#include "actors/jobs/lease.hpp"
#include "protocol/actor_slot.hpp"
#include "storage/jobs_repository.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace delta::jobs {

// What every entity of one dispatcher shares (one copy, not one per job).
struct entity_config {
  storage::pg_pool* pool = nullptr;
  std::string node;  // the lease owner
  std::shared_ptr<const handler_registry> handlers;
  lease_policy lease{std::chrono::seconds(30)};
  core::retry_backoff backoff;
  protocol::slot_ptr<caf::actor> events;  // may be null: no job_event subscriber
};

// Spawned linked to `dispatcher`.
caf::actor spawn_job_entity(caf::local_actor& dispatcher, std::shared_ptr<const entity_config> config,
                            storage::jobs::claimed_job job);

}  // namespace delta::jobs
