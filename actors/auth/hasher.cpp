#include "actors/auth/hasher.hpp"

#include "actors/auth/secrets.hpp"

#include <caf/actor_pool.hpp>
#include <caf/all.hpp>

namespace delta::auth {

namespace {

caf::behavior hasher(caf::event_based_actor*) {
  return {
      [](hash_password_atom, const std::string& password) { return hash_password(password); },
      [](verify_password_atom, const std::string& encoded, const std::string& password) {
        return verify_password(encoded, password);
      },
  };
}

}  // namespace

caf::actor spawn_hasher_pool(caf::actor_system& system, std::size_t threads) {
  init_sodium();
  decoy_password_hash();  // computed once at start, not on the first unknown login
  return caf::actor_pool::make(
      system.dummy_execution_unit(), threads,
      [&system] { return system.spawn<caf::detached>(hasher); }, caf::actor_pool::round_robin());
}

}  // namespace delta::auth
