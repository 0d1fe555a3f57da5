#pragma once
#include <caf/actor_system_config.hpp>

namespace delta::protocol {

// Announces every protocol type and the "delta" error category to CAF, so
// they can cross node boundaries. A test round-trips each registered type.
void register_types(caf::actor_system_config& cfg);

}  // namespace delta::protocol
