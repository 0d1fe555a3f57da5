#pragma once
// The LLM admin actor under the llm supervisor (protocol::llm_admin_actor):
// reads and stores routing rows, fallback chains and evaluators (checked by
// the pure gateway_admin.hpp, literal keys sealed), asks the routing loader
// to reload after a change so the answer comes once this node uses it, and
// reports every endpoint's breaker from the breaker region.

#include "actors/llm/routing_loader.hpp"
#include "protocol/actor_slot.hpp"
#include "protocol/llm.hpp"

#include <caf/fwd.hpp>

#include <string>

namespace delta::storage {
class pg_pool;
}

namespace delta::llm {

struct llm_admin_links {
  table_slot table;                          // the loaded routing table (breakers: which endpoints)
  protocol::slot_ptr<caf::actor> loader;     // routing_loader: reload after a change
  protocol::slot_ptr<caf::actor> breakers;   // the breaker entity region
};

protocol::llm_admin_actor spawn_llm_admin(caf::local_actor& parent, storage::pg_pool& pool, llm_admin_links links,
                                          const std::string& key_encryption_key_hex);

}  // namespace delta::llm
