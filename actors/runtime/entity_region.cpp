#include "actors/runtime/entity_region.hpp"

#include "actors/runtime/idle_tracker.hpp"
#include "telemetry/metrics_registry.hpp"

#include <caf/all.hpp>

#include <malloc.h>

#include <unordered_map>

namespace delta::runtime {

namespace {

struct region_state {
  static inline const char* name = "delta.region";
  region_spec spec;
  std::unordered_map<std::string, caf::actor> entities;
  std::unordered_map<caf::actor_addr, std::string> keys;
  idle_tracker idle;
  region_counts counts;

  // The region's state goes when the region stops, whatever the reason:
  // its entities stop with it. Dropping our handles is not enough, since
  // a timer an entity set for itself (a breaker's cooldown) holds it, and
  // the actor system's shutdown would wait for that timer.
  ~region_state() {
    for (auto& [key, entity] : entities) caf::anon_send_exit(entity, caf::exit_reason::user_shutdown);
  }
};

void publish_counts(const region_state& st) {
  auto& m = telemetry::global_metrics();
  m.gauge_family("delta_entities_active", "Live entity actors by region")
      .with({{"region", st.spec.name}})
      .set(static_cast<double>(st.counts.active));
  m.gauge_family("delta_entities_spawned", "Entities spawned since start by region")
      .with({{"region", st.spec.name}})
      .set(static_cast<double>(st.counts.spawned));
  m.gauge_family("delta_entities_passivated", "Entities passivated since start by region")
      .with({{"region", st.spec.name}})
      .set(static_cast<double>(st.counts.passivated));
}

caf::actor& entity_for(caf::stateful_actor<region_state>* self, const std::string& key) {
  auto& st = self->state;
  auto it = st.entities.find(key);
  if (it != st.entities.end()) return it->second;
  auto entity = st.spec.spawn_entity(*self, key);
  self->monitor(entity);
  st.keys[entity.address()] = key;
  ++st.counts.spawned;
  ++st.counts.active;
  return st.entities.emplace(key, std::move(entity)).first->second;
}

void forget(region_state& st, const std::string& key) {
  auto it = st.entities.find(key);
  if (it == st.entities.end()) return;
  st.keys.erase(it->second.address());
  st.entities.erase(it);
  st.idle.erase(key);
  --st.counts.active;
}

caf::behavior region_actor(caf::stateful_actor<region_state>* self, region_spec spec) {
  self->state.spec = std::move(spec);
  self->set_down_handler([self](caf::down_msg& down) {
    auto& st = self->state;
    auto it = st.keys.find(down.source);
    if (it == st.keys.end()) return;  // already passivated
    ++st.counts.crashed;
    forget(st, std::string{it->second});
  });
  self->delayed_send(self, self->state.spec.sweep_interval, sweep_atom::value);
  return {
      [self](entity_atom, const std::string& key, caf::message& payload) {
        auto& entity = entity_for(self, key);
        self->state.idle.touch(key, std::chrono::steady_clock::now());
        return self->delegate(entity, std::move(payload));
      },
      [self](sweep_atom) {
        auto& st = self->state;
        auto idle = st.idle.idle_since(std::chrono::steady_clock::now(), st.spec.idle_timeout);
        for (auto& key : idle) {
          auto entity = st.entities[key];
          self->demonitor(entity);
          self->send(entity, passivate_atom::value);
          forget(st, key);
          ++st.counts.passivated;
        }
        if (idle.size() >= 10000) {
          // After a mass passivation (a scan from many addresses), give the
          // memory back: shrink the tables and let the allocator return
          // free pages to the OS. Rare, and bounded by the sweep interval.
          st.entities.rehash(0);
          st.keys.rehash(0);
          malloc_trim(0);
        }
        publish_counts(st);
        self->delayed_send(self, st.spec.sweep_interval, sweep_atom::value);
      },
      [self](region_counts_atom) { return self->state.counts; },
      [self](broadcast_atom, const caf::message& msg) {
        for (auto& [key, entity] : self->state.entities) self->send(entity, msg);
      },
  };
}

}  // namespace

caf::actor spawn_region(caf::local_actor& parent, region_spec spec) {
  return parent.spawn(region_actor, std::move(spec));
}

}  // namespace delta::runtime
