#pragma once
// A permanent child that publishes its handle into `slot` on every start,
// so callers always reach the current incarnation (protocol/actor_slot.hpp).

#include "actors/runtime/supervisor.hpp"
#include "protocol/actor_slot.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>

#include <string>

namespace delta::runtime {

template <class Handle, class Spawn>
child_spec published(std::string name, protocol::slot_ptr<Handle> slot, Spawn spawn) {
  return {std::move(name), restart_policy::permanent, [slot, spawn](caf::local_actor& sup) {
            Handle handle = spawn(sup);
            slot->set(handle);
            return caf::actor_cast<caf::actor>(handle);
          }};
}

}  // namespace delta::runtime
