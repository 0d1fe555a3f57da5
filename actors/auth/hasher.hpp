#pragma once
// Password hashing off the scheduler: argon2id's deliberate cost runs on a
// few detached workers (each its own thread), so it never stalls other
// actors. The hasher itself (an ordinary actor) keeps the requests waiting
// for a worker and hands each to the next idle one. The backlog lives in
// its state rather than in the workers' mailboxes so that stopping drops it
// at once: each worker ends after the one hash in hand, and a burst of
// logins cannot hold a shutdown while it is worked off.
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <cstddef>

namespace delta::auth {

using hash_password_atom = caf::atom_constant<caf::atom("hashpw")>;
using verify_password_atom = caf::atom_constant<caf::atom("verifypw")>;

// (hash_password_atom, password) -> std::string
// (verify_password_atom, encoded_hash, password) -> bool
// `threads` workers are linked to the hasher: they end with it.
caf::actor spawn_hasher(caf::local_actor& parent, std::size_t threads);

}  // namespace delta::auth
