#pragma once
// Password hashing off the scheduler: a small pool of detached actors (each
// its own thread), so argon2id's deliberate cost never stalls other actors.
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

namespace delta::auth {

using hash_password_atom = caf::atom_constant<caf::atom("hashpw")>;
using verify_password_atom = caf::atom_constant<caf::atom("verifypw")>;

// (hash_password_atom, password) -> std::string
// (verify_password_atom, encoded_hash, password) -> bool
caf::actor spawn_hasher_pool(caf::actor_system& system, std::size_t threads);

}  // namespace delta::auth
