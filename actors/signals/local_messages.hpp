#pragma once
// What the signals actors of one node hand each other: storage rows and
// atoms that never leave the node (each stage writes through this node's
// pool, and the driver holds the leases). Nothing here is registered to
// cross nodes; another node takes an event over through PostgreSQL.

#include "protocol/local_message.hpp"
#include "storage/pg_types.hpp"
#include "storage/signal_repository.hpp"

#include <caf/atom.hpp>

#include <string>
#include <vector>

namespace delta::signals {

using event_list = std::vector<storage::signals::event_row>;
// (stage_run_atom, event_row) -> (bool ok, std::string detail, event_row):
// one stage, persisted; the row comes back with what the stage produced
// (enrichment, decisions), so the next stage need not read it back.
using stage_run_atom = caf::atom_constant<caf::atom("sigstage")>;
// (stage_write_atom, storage::signals::stage_writes) -> (bool ok, std::string detail): committed.
using stage_write_atom = caf::atom_constant<caf::atom("sigwrite")>;
// (handoff_atom, event_list, bool left_to_claim): committed, leased events
// for the driver; left_to_claim: the same INSERT left others unleased.
using handoff_atom = caf::atom_constant<caf::atom("sighandoff")>;
using poll_atom = caf::atom_constant<caf::atom("sigpoll")>;
using renew_atom = caf::atom_constant<caf::atom("sigrenew")>;
// (drain_atom, timeout_ms) -> released leases (int64): graceful shutdown.
// The driver starts no further stage, lets running stages finish for up to
// timeout_ms, then releases the lease of every event it holds.
using drain_atom = caf::atom_constant<caf::atom("sigdrain")>;
using drain_deadline_atom = caf::atom_constant<caf::atom("sigdrdl")>;

// A failed database call as a stage's failure detail (no internals).
inline std::string db_failure(const storage::pg_reply& reply) {
  return reply.error && reply.error->kind == storage::pg_failure::unavailable ? "database unavailable"
                                                                              : "database error";
}

}  // namespace delta::signals

DELTA_LOCAL_MESSAGE(delta::storage::signals::event_row)
DELTA_LOCAL_MESSAGE(delta::signals::event_list)
DELTA_LOCAL_MESSAGE(delta::storage::signals::stage_writes)
