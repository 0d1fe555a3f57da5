#pragma once
// The jobs API actor: what the HTTP routes call (protocol::jobs_actor):
// enqueue (committed before the reply, so the route may answer 202), get,
// cancel, the admin listing and retry of dead jobs. Owner-or-admin checks
// are the route's: every view carries the owner.

#include "actors/jobs/handler_registry.hpp"
#include "protocol/jobs.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace delta::storage {
class pg_pool;
}

namespace delta::jobs {

// `kinds`: enqueue refuses a kind no handler is registered for (invalid).
protocol::jobs_actor spawn_jobs_api(caf::local_actor& parent, storage::pg_pool& pool,
                                    std::shared_ptr<const handler_registry> kinds);

}  // namespace delta::jobs
