#pragma once
#include "protocol/health.hpp"

#include <caf/fwd.hpp>

namespace delta::storage {
class pg_pool;
}

namespace delta::health {

// Probes PostgreSQL (SELECT 1 through the pool, bounded by a timeout) and
// reports each component for /ready and /health/detailed.
protocol::health_actor spawn_health_actor(caf::local_actor& parent, storage::pg_pool& pool);

}  // namespace delta::health
