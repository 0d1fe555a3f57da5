#include "actors/llm/breaker_entity.hpp"

#include "core/rfc3339.hpp"
#include "actors/runtime/entity_region.hpp"
#include "protocol/llm.hpp"
#include "telemetry/metrics_registry.hpp"

#include <caf/all.hpp>

namespace delta::llm {

namespace {

using refresh_atom = caf::atom_constant<caf::atom("brkrefresh")>;

struct breaker_entity_state {
  static inline const char* name = "delta.breaker";
  endpoint_gate gate;
  telemetry::gauge* state_gauge = nullptr;
  telemetry::gauge* endpoint_gauge = nullptr;
  bool refresh_pending = false;  // one cooldown timer at a time
};

// llm_breaker_state{provider,base_url,model}: 0 closed, 1 half_open, 2 open.
// The labels come from the entity key "provider|base_url|model".
telemetry::gauge* state_gauge_for(const std::string& key) {
  auto first = key.find('|');
  auto last = key.rfind('|');
  if (first == std::string::npos || first == last) return nullptr;
  static auto& family = telemetry::global_metrics().gauge_family(
      "llm_breaker_state", "Circuit breaker per LLM endpoint: 0 closed, 1 half_open, 2 open");
  return &family.with({{"provider", key.substr(0, first)},
                       {"base_url", key.substr(first + 1, last - first - 1)},
                       {"model", key.substr(last + 1)}});
}

// delta_llm_breaker_state{endpoint}: 0 closed, 1 open, 2 half-open, the
// encoding the alert rules and dashboard in deploy/ read. The endpoint label
// is the entity key.
telemetry::gauge& endpoint_gauge_for(const std::string& key) {
  static auto& family = telemetry::global_metrics().gauge_family(
      "delta_llm_breaker_state", "Circuit breaker per LLM endpoint: 0 closed, 1 open, 2 half-open");
  return family.with({{"endpoint", key}});
}

void publish_state(breaker_entity_state& st) {
  auto s = st.gate.snapshot(std::chrono::steady_clock::now()).state;
  st.endpoint_gauge->set(s == breaker_state::closed ? 0 : s == breaker_state::open ? 1 : 2);
  if (st.state_gauge) st.state_gauge->set(s == breaker_state::closed ? 0 : s == breaker_state::half_open ? 1 : 2);
}

// An open breaker turns half-open by the clock alone: publish the gauge
// again when its cooldown ends, so /metrics agrees with the breakers view.
template <class Self>
void publish_and_watch(Self* self) {
  publish_state(self->state);
  auto now = std::chrono::steady_clock::now();
  auto s = self->state.gate.snapshot(now);
  if (s.state == breaker_state::open && s.retry_at && !self->state.refresh_pending) {
    self->state.refresh_pending = true;
    self->delayed_send(self, *s.retry_at - now + std::chrono::milliseconds(1), refresh_atom::value);
  }
}

protocol::breaker_view view_of(const endpoint_gate& gate) {
  auto now = std::chrono::steady_clock::now();
  auto wall = std::chrono::system_clock::now();
  auto s = gate.snapshot(now);
  protocol::breaker_view v;
  v.state = std::string{to_string(s.state)};
  v.failures = s.failures;
  if (s.opened_at) v.opened_at = core::format_rfc3339(to_system_time(*s.opened_at, now, wall));
  if (s.retry_at) v.retry_at = core::format_rfc3339(to_system_time(*s.retry_at, now, wall));
  v.in_flight = static_cast<std::int32_t>(gate.in_flight());
  return v;
}

caf::behavior breaker_entity(caf::stateful_actor<breaker_entity_state>* self, gate_config cfg,
                             const std::string& key) {
  self->state.gate = endpoint_gate{cfg};
  self->state.state_gauge = state_gauge_for(key);
  self->state.endpoint_gauge = &endpoint_gauge_for(key);
  publish_state(self->state);
  return {
      [self](protocol::gate_admit_atom) {
        auto t = self->state.gate.admit(std::chrono::steady_clock::now());
        protocol::gate_pass pass{static_cast<bool>(t), t.slot, t.permit.probe, t.permit.epoch, {}};
        if (!t) pass.refusal = t.refused == gate_refusal::saturated ? "saturated" : "open";
        publish_and_watch(self);
        return pass;
      },
      [self](protocol::gate_report_atom, const protocol::gate_outcome& o) {
        breaker_permit permit{true, o.probe, o.epoch};
        self->state.gate.report(o.slot, permit, o.healthy, std::chrono::steady_clock::now());
        publish_and_watch(self);
      },
      [self](protocol::gate_snapshot_atom) {
        publish_state(self->state);
        return view_of(self->state.gate);
      },
      [self](refresh_atom) {
        self->state.refresh_pending = false;
        publish_and_watch(self);  // re-opened meanwhile: watch the new cooldown
      },
      [self](runtime::passivate_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_breaker_region(caf::local_actor& parent, gate_config cfg,
                                std::chrono::milliseconds idle_timeout) {
  runtime::region_spec spec;
  spec.name = "llm_breakers";
  spec.idle_timeout = idle_timeout;
  spec.spawn_entity = [cfg](caf::local_actor& region, const std::string& key) {
    return region.spawn(breaker_entity, cfg, key);
  };
  return runtime::spawn_region(parent, std::move(spec));
}

}  // namespace delta::llm
