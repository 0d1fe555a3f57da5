#pragma once
// The protocol of entity regions (actors/runtime/entity_region): how callers
// address an entity by key, whatever node hosts it.

#include <caf/atom.hpp>

namespace delta::protocol {

// (entity_atom, key, payload message): delivered to the key's entity, which
// replies to the original sender.
using entity_atom = caf::atom_constant<caf::atom("entity")>;
// Sent by a region to an idle entity, in mailbox order: finish and quit.
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
// (broadcast_atom, message): delivered to every live entity of the region.
using broadcast_atom = caf::atom_constant<caf::atom("broadcast")>;

}  // namespace delta::protocol
