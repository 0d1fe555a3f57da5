#pragma once
// Messages and the typed interface of the health actor, which probes the
// node's dependencies for /ready and /health/detailed.

#include "protocol/service_directory.hpp"
#include "protocol/llm.hpp"

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace delta::protocol {

struct component_health {
  std::string name;     // e.g. "database"
  std::string status;   // healthy | degraded | unhealthy
  std::string message;  // short, client-safe
  std::vector<std::pair<std::string, std::int64_t>> details;  // figures, e.g. pool sizes
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, component_health& x) {
  return f(caf::meta::type_name("delta.component_health"), x.name, x.status, x.message,
           x.details);
}

struct health_report {
  std::vector<component_health> components;
  std::vector<breaker_view> llm_endpoints{};  // each provider endpoint's breaker (/health/detailed)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_report& x) {
  return f(caf::meta::type_name("delta.health_report"), x.components, x.llm_endpoints);
}

using check_health_atom = caf::atom_constant<caf::atom("checkhlth")>;

using health_actor = caf::typed_actor<caf::replies_to<check_health_atom>::with<health_report>>;

// Where the node finds this domain's services (protocol/service_directory.hpp).
inline constexpr service<health_actor> health_service{"health"};

}  // namespace delta::protocol
