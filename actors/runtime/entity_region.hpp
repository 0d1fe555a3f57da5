#pragma once
// The entity region ("shard region") of one domain: entities (sessions,
// rate-limit buckets, breakers, jobs) are addressed by a string key, spawned
// on the first message for that key, and passivated after being idle. Callers
// send (entity_atom, key, payload) to the region, which delegates the payload
// to the entity, so the entity's reply goes straight back to the caller.
// With one node the ring has one member; clustering changes placement only.

#include "protocol/entity.hpp"

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace delta::runtime {

using protocol::entity_atom;
using protocol::passivate_atom;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using protocol::region_counts_atom;
using protocol::region_counts;
using protocol::broadcast_atom;

struct region_spec {
  std::string name;
  // Spawns the entity for `key`. Its behavior must handle passivate_atom by
  // quitting (see passivation_handler()): the region sends it in mailbox
  // order, so the entity finishes every message delegated before.
  std::function<caf::actor(caf::local_actor& region, const std::string& key)> spawn_entity;
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds sweep_interval{std::chrono::seconds(1)};
};

caf::actor spawn_region(caf::local_actor& parent, region_spec spec);

}  // namespace delta::runtime
