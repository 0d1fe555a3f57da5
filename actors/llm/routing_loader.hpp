#pragma once
// The routing-table loader under the llm supervisor: loads the routes,
// fallback chains, evaluators and prices with their config version in one
// transaction, publishes the table into a slot that the gateway and the admin
// read per call (a call keeps the table it started with), and reloads when
// the version changes (another node's admin change, an edit made in SQL:
// polled every reload_interval) or when asked after a change made here.

#include "actors/llm/routing_table.hpp"
#include "protocol/actor_slot.hpp"

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace delta::storage {
class pg_pool;
}

namespace delta::llm {

using table_ptr = std::shared_ptr<const routing_table>;
using table_slot = protocol::slot_ptr<table_ptr>;

// ---- messages of this node's llm actors (local only) ----
// (reload_table_atom) -> bool: answered after a load that started after the
// request (true when it succeeded), so an admin change answers only once
// this node uses what it stored.
using reload_table_atom = caf::atom_constant<caf::atom("llmreload")>;
// (await_table_atom) -> bool: answered at once when a table is loaded, else
// after the next load (false when there is still no table).
using await_table_atom = caf::atom_constant<caf::atom("llmawait")>;

struct routing_loader_options {
  std::chrono::milliseconds reload_interval{std::chrono::seconds(1)};
  // Opens literal provider keys sealed by the admin (key_vault.hpp); empty:
  // only api_key_env references resolve.
  std::string key_encryption_key_hex;
};

caf::actor spawn_routing_loader(caf::local_actor& parent, storage::pg_pool& pool, table_slot table,
                                routing_loader_options options);

}  // namespace delta::llm
