#include "actors/runtime/supervisor.hpp"

#include "telemetry/json_log.hpp"
#include "telemetry/metrics_registry.hpp"

#include <caf/all.hpp>

#include <memory>

namespace delta::runtime {

namespace {

struct running_child {
  child_spec spec;
  caf::actor handle;
};

struct supervisor_state {
  static inline const char* name = "delta.supervisor";
  supervisor_spec spec;
  std::shared_ptr<std::vector<running_child>> children;  // shared with the exit functor
  std::unique_ptr<restart_intensity> intensity;
};

bool is_normal(const caf::error& reason) {
  return !reason || reason == caf::exit_reason::normal;
}

telemetry::counter& restarts_of(const std::string& supervisor, const std::string& child) {
  return telemetry::global_metrics()
      .counter_family("delta_actor_restarts_total", "Actor restarts by their supervisors")
      .with({{"supervisor", supervisor}, {"child", child}});
}

void start_child(caf::stateful_actor<supervisor_state>* self, running_child& child) {
  child.handle = child.spec.start(*self);
  self->monitor(child.handle);
}

void on_child_down(caf::stateful_actor<supervisor_state>* self, const caf::down_msg& down) {
  auto& st = self->state;
  for (auto& child : *st.children) {
    if (child.handle.address() != down.source) continue;
    bool normal = is_normal(down.reason);
    if (!should_restart(child.spec.policy, normal)) {
      child.handle = nullptr;
      return;
    }
    if (!st.intensity->record(std::chrono::steady_clock::now())) {
      telemetry::log_error("restart intensity exceeded, escalating",
                           {{"supervisor", st.spec.name}, {"child", child.spec.name},
                            {"reason", self->system().render(down.reason)}});
      telemetry::global_metrics()
          .counter_family("delta_supervisor_escalations_total",
                          "Supervisors that gave up after too many restarts")
          .with({{"supervisor", st.spec.name}})
          .inc();
      self->quit(normal ? caf::make_error(caf::exit_reason::unknown) : down.reason);
      return;
    }
    telemetry::log_warn("restarting actor",
                        {{"supervisor", st.spec.name}, {"child", child.spec.name},
                         {"reason", self->system().render(down.reason)}});
    restarts_of(st.spec.name, child.spec.name).inc();
    start_child(self, child);
    return;
  }
}

caf::behavior supervisor_actor(caf::stateful_actor<supervisor_state>* self, supervisor_spec spec) {
  auto& st = self->state;
  st.intensity = std::make_unique<restart_intensity>(spec.max_restarts, spec.within);
  st.children = std::make_shared<std::vector<running_child>>();
  for (auto& c : spec.children) st.children->push_back({c, nullptr});
  st.spec = std::move(spec);
  // Children die with their supervisor, whatever the reason.
  auto children = st.children;
  self->attach_functor([children](const caf::error&) {
    for (auto& child : *children)
      if (child.handle)
        caf::anon_send_exit(child.handle, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& down) { on_child_down(self, down); });
  for (auto& child : *st.children) {
    restarts_of(st.spec.name, child.spec.name);  // every child is listed, at 0 until it restarts
    start_child(self, child);
  }
  return {
      [](caf::get_atom) { return caf::unit; },
  };
}

}  // namespace

caf::actor spawn_supervisor(caf::actor_system& system, supervisor_spec spec) {
  return system.spawn(supervisor_actor, std::move(spec));
}

child_spec supervisor_child(supervisor_spec spec, restart_policy policy) {
  auto name = spec.name;
  return {name, policy, [spec = std::move(spec)](caf::local_actor& parent) {
            return parent.spawn(supervisor_actor, spec);
          }};
}

}  // namespace delta::runtime
