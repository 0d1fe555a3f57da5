#pragma once
#include "protocol/actor_slot.hpp"
#include "protocol/health.hpp"
#include "protocol/llm.hpp"

#include <caf/fwd.hpp>

namespace delta::storage {
class pg_pool;
}

namespace delta::health {

// Probes PostgreSQL (SELECT 1 through the pool, bounded by a timeout) and
// reports each component for /ready and /health/detailed.
// `llm` (the LLM admin; may be null: no gateway) is asked for the breakers at the same time.
protocol::health_actor spawn_health_actor(caf::local_actor& parent, storage::pg_pool& pool,
                                          protocol::slot_ptr<protocol::llm_admin_actor> llm = nullptr);

}  // namespace delta::health
