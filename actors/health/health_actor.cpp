#include "actors/health/health_actor.hpp"

#include "actors/health/database_health.hpp"
#include "actors/health/jobs_health.hpp"
#include "actors/health/llm_health.hpp"
#include "telemetry/metrics_registry.hpp"
#include "actors/runtime/db_calls.hpp"

#include <caf/all.hpp>

#include <unordered_map>

namespace delta::health {

namespace {

using probe_timeout_atom = caf::atom_constant<caf::atom("probetmo")>;

using health_impl = protocol::health_actor::extend<
    caf::reacts_to<runtime::db_reply_atom, std::uint64_t, storage::pg_reply>,
    caf::reacts_to<probe_timeout_atom, std::uint64_t>>;

constexpr auto probe_timeout = std::chrono::milliseconds(1500);

// One check in progress: PostgreSQL and the LLM gateway are asked at once;
// the report goes out when both answered or the timeout fires.
struct probe {
  caf::typed_response_promise<protocol::health_report> promise;
  std::optional<bool> database;  // the SELECT 1 outcome, once known
  bool database_done = false;
  std::optional<protocol::breaker_list> breakers;
  bool llm_done = false;
};

struct health_state {
  static inline const char* name = "delta.health";
  storage::pg_pool* pool = nullptr;
  protocol::slot_ptr<protocol::llm_admin_actor> llm;
  runtime::db_calls db;
  std::uint64_t next_probe = 1;
  std::unordered_map<std::uint64_t, probe> probes;
};

using health_self = health_impl::stateful_pointer<health_state>;

// Sends the report once everything answered, or at the timeout (`force`)
// with whatever is missing reported as not answering.
void maybe_finish(health_self self, std::uint64_t id, bool force) {
  auto it = self->state.probes.find(id);
  if (it == self->state.probes.end()) return;  // finished already
  auto& p = it->second;
  if (!force && !(p.database_done && p.llm_done)) return;
  protocol::health_report report;
  report.components.push_back(database_health(p.database_done ? p.database : std::nullopt,
                                              self->state.pool->stats()));
  report.components.push_back(jobs_health(telemetry::global_metrics()));
  if (self->state.llm) {
    report.components.push_back(llm_health(p.llm_done ? p.breakers : std::nullopt));
    if (p.breakers) report.llm_endpoints = *p.breakers;
  }
  auto promise = std::move(p.promise);
  self->state.probes.erase(it);
  promise.deliver(std::move(report));
}

void ask_gateway(health_self self, std::uint64_t id) {
  auto& p = self->state.probes.at(id);
  auto gateway = self->state.llm ? self->state.llm->get() : protocol::llm_admin_actor{};
  if (!gateway) {
    p.llm_done = true;
    return;
  }
  self->request(gateway, caf::infinite, protocol::llm_breakers_atom::value)
      .then(
          [self, id](const protocol::breaker_list& list) {
            auto it = self->state.probes.find(id);
            if (it == self->state.probes.end()) return;
            it->second.breakers = list;
            it->second.llm_done = true;
            maybe_finish(self, id, false);
          },
          [self, id](const caf::error&) {
            auto it = self->state.probes.find(id);
            if (it == self->state.probes.end()) return;
            it->second.llm_done = true;
            maybe_finish(self, id, false);
          });
}

health_impl::behavior_type health_actor(health_self self, storage::pg_pool* pool,
                                        protocol::slot_ptr<protocol::llm_admin_actor> llm) {
  self->state.pool = pool;
  self->state.llm = std::move(llm);
  return {
      [self](protocol::check_health_atom) -> caf::result<protocol::health_report> {
        auto id = self->state.next_probe++;
        auto promise = self->make_response_promise<protocol::health_report>();
        probe p;
        p.promise = promise;
        self->state.probes.emplace(id, std::move(p));
        self->state.db.call(self, *self->state.pool,
                            {storage::pg_statement::literal("SELECT 1")}, false,
                            [self, id](storage::pg_reply& reply) {
                              auto it = self->state.probes.find(id);
                              if (it == self->state.probes.end()) return;
                              it->second.database = reply.ok();
                              it->second.database_done = true;
                              maybe_finish(self, id, false);
                            });
        ask_gateway(self, id);
        self->delayed_send(self, probe_timeout, probe_timeout_atom::value, id);
        return promise;
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
      [self](probe_timeout_atom, std::uint64_t id) { maybe_finish(self, id, true); },
  };
}

}  // namespace

protocol::health_actor spawn_health_actor(caf::local_actor& parent, storage::pg_pool& pool,
                                          protocol::slot_ptr<protocol::llm_admin_actor> llm) {
  return parent.spawn(health_actor, &pool, std::move(llm));
}

}  // namespace delta::health
