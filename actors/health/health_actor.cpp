#include "actors/health/health_actor.hpp"

#include "actors/health/database_health.hpp"
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

struct health_state {
  static inline const char* name = "delta.health";
  storage::pg_pool* pool = nullptr;
  runtime::db_calls db;
  std::uint64_t next_probe = 1;
  std::unordered_map<std::uint64_t, caf::typed_response_promise<protocol::health_report>> probes;
};

using health_self = health_impl::stateful_pointer<health_state>;

void finish_probe(health_self self, std::uint64_t id, std::optional<bool> ok) {
  auto it = self->state.probes.find(id);
  if (it == self->state.probes.end()) return;  // the other outcome came first
  auto promise = std::move(it->second);
  self->state.probes.erase(it);
  protocol::health_report report;
  report.components.push_back(database_health(ok, self->state.pool->stats()));
  promise.deliver(std::move(report));
}

health_impl::behavior_type health_actor(health_self self, storage::pg_pool* pool) {
  self->state.pool = pool;
  return {
      [self](protocol::check_health_atom) -> caf::result<protocol::health_report> {
        auto id = self->state.next_probe++;
        auto promise = self->make_response_promise<protocol::health_report>();
        self->state.probes.emplace(id, promise);
        self->state.db.call(self, *self->state.pool,
                            {storage::pg_statement::literal("SELECT 1")}, false,
                            [self, id](storage::pg_reply& reply) {
                              finish_probe(self, id, reply.ok());
                            });
        self->delayed_send(self, probe_timeout, probe_timeout_atom::value, id);
        return promise;
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
      [self](probe_timeout_atom, std::uint64_t id) { finish_probe(self, id, std::nullopt); },
  };
}

}  // namespace

protocol::health_actor spawn_health_actor(caf::local_actor& parent, storage::pg_pool& pool) {
  return parent.spawn(health_actor, &pool);
}

}  // namespace delta::health
