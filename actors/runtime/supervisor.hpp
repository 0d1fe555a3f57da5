#pragma once
// A one-for-one supervisor for CAF 0.17, which has none: child specs with a
// restart policy, restart intensity (N restarts in T, then the supervisor
// stops with the child's reason so that its own parent decides), and every
// restart counted in telemetry. Children publish their current handle into
// protocol::actor_slot so callers never hold a stale one.

#include "actors/runtime/restart_policy.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace delta::runtime {

struct child_spec {
  std::string name;
  restart_policy policy = restart_policy::permanent;
  // Spawns the child from the supervisor (without linking or monitoring:
  // the supervisor monitors) and publishes it wherever callers look it up.
  std::function<caf::actor(caf::local_actor& supervisor)> start;
};

struct supervisor_spec {
  std::string name;
  std::vector<child_spec> children;
  int max_restarts = 5;
  std::chrono::steady_clock::duration within = std::chrono::seconds(10);
};

// Spawns a supervisor that starts its children in order.
caf::actor spawn_supervisor(caf::actor_system& system, supervisor_spec spec);

// A child spec that runs a nested supervisor.
child_spec supervisor_child(supervisor_spec spec, restart_policy policy = restart_policy::permanent);

}  // namespace delta::runtime
