#pragma once
// The protocol of entity regions (actors/runtime/entity_region): how callers
// address an entity by key, whatever node hosts it.

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>

namespace delta::protocol {

// (entity_atom, key, payload message): delivered to the key's entity, which
// replies to the original sender.
using entity_atom = caf::atom_constant<caf::atom("entity")>;
// Sent by a region to an idle entity, in mailbox order: finish and quit.
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
// (broadcast_atom, message): delivered to every live entity of the region.
using broadcast_atom = caf::atom_constant<caf::atom("broadcast")>;

// (region_counts_atom) -> region_counts: a region's entity figures.
using region_counts_atom = caf::atom_constant<caf::atom("regcounts")>;

struct region_counts {
  std::int64_t active = 0;
  std::int64_t spawned = 0;
  std::int64_t passivated = 0;
  std::int64_t crashed = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, region_counts& x) {
  return f(caf::meta::type_name("delta.region_counts"), x.active, x.spawned, x.passivated, x.crashed);
}

}  // namespace delta::protocol
