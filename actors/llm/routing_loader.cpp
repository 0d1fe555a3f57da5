#include "actors/llm/routing_loader.hpp"

#include "actors/llm/key_vault.hpp"
#include "actors/runtime/db_calls.hpp"
#include "storage/llm_repository.hpp"
#include "telemetry/json_log.hpp"

#include <caf/all.hpp>

#include <cstdlib>

namespace delta::llm {

namespace {

using version_tick_atom = caf::atom_constant<caf::atom("llmversion")>;

struct loader_state {
  static inline const char* name = "delta.llm.routing_loader";
  storage::pg_pool* pool = nullptr;
  table_slot table;
  routing_loader_options options;
  key_vault vault;
  runtime::db_calls db;
  std::int64_t loaded_version = -1;
  bool loading = false;
  bool load_again = false;
  // Answered after the next load that starts after they were queued.
  std::vector<caf::typed_response_promise<bool>> after_next_load;
  // Waiting for a table: answered after the next load (false if there is still none).
  std::vector<caf::typed_response_promise<bool>> awaiting_table;
};

using loader_self = caf::stateful_actor<loader_state>*;

std::string key_of(const key_vault& vault, const std::string& env, const std::string& sealed) {
  if (!sealed.empty()) return vault.open(sealed).value_or("");
  const char* v = std::getenv(env.c_str());
  return v ? v : "";
}

void publish(loader_self self, storage::pg_reply& reply) {
  auto& st = self->state;
  auto version = storage::llm::to_version(reply.results.at(0)).version;
  routing_table::rows rows{storage::llm::to_routes(reply.results.at(1)),
                           storage::llm::to_fallbacks(reply.results.at(2)),
                           storage::llm::to_evaluators(reply.results.at(3)),
                           storage::llm::to_prices(reply.results.at(4))};
  auto table = routing_table::build(rows, [self](const std::string& env, const std::string& sealed) {
    return key_of(self->state.vault, env, sealed);
  });
  for (auto& p : table->problems()) telemetry::log_warn("LLM routing row skipped", {{"problem", p}});
  telemetry::log_info("LLM routing table loaded",
                      {{"version", version}, {"endpoints", static_cast<std::int64_t>(table->endpoints().size())}});
  st.table->set(std::move(table));
  st.loaded_version = version;
}

void answer_all(std::vector<caf::typed_response_promise<bool>>& promises, bool ok) {
  auto waiting = std::move(promises);
  promises.clear();
  for (auto& p : waiting) p.deliver(ok);
}

// One load at a time; a request during a load runs another one after it.
void start_load(loader_self self) {
  auto& st = self->state;
  st.loading = true;
  auto waiting = std::make_shared<std::vector<caf::typed_response_promise<bool>>>(std::move(st.after_next_load));
  st.after_next_load.clear();
  st.db.call(self, *st.pool,
             {storage::llm::version(), storage::llm::active_routes(), storage::llm::all_fallbacks(),
              storage::llm::evaluators(), storage::llm::prices()},
             true, [self, waiting](storage::pg_reply& reply) {
               auto& st = self->state;
               st.loading = false;
               if (reply.ok()) publish(self, reply);
               else telemetry::log_warn("cannot load the LLM routing table", {{"error", reply.error->message}});
               answer_all(st.awaiting_table, static_cast<bool>(st.table->get()));
               answer_all(*waiting, reply.ok());
               if (std::exchange(st.load_again, false)) start_load(self);
             });
}

void reload(loader_self self) {
  auto& st = self->state;
  if (st.loading) st.load_again = true;
  else start_load(self);
}

// The periodic poll: a cheap version read; a full load only on a change.
void check_version(loader_self self) {
  auto& st = self->state;
  if (st.loading) return;
  st.db.call(self, *st.pool, {storage::llm::version()}, false, [self](storage::pg_reply& reply) {
    auto& st = self->state;
    if (!reply.ok() || st.loading) return;
    if (storage::llm::to_version(reply.results.at(0)).version != st.loaded_version) reload(self);
  });
}

caf::behavior routing_loader(loader_self self, storage::pg_pool* pool, table_slot table,
                             routing_loader_options options) {
  auto& st = self->state;
  st.pool = pool;
  st.table = std::move(table);
  st.options = std::move(options);
  // deltad checked the format at start-up; a bad value here leaves the vault unconfigured.
  st.vault = key_vault::from_hex(st.options.key_encryption_key_hex).value_or(key_vault{});
  reload(self);
  self->delayed_send(self, st.options.reload_interval, version_tick_atom::value);
  return {
      [self](reload_table_atom) -> caf::result<bool> {
        auto promise = self->make_response_promise<bool>();
        self->state.after_next_load.push_back(promise);
        reload(self);
        return promise;
      },
      [self](await_table_atom) -> caf::result<bool> {
        if (self->state.table->get()) return true;
        auto promise = self->make_response_promise<bool>();
        self->state.awaiting_table.push_back(promise);
        return promise;
      },
      [self](version_tick_atom) {
        check_version(self);
        self->delayed_send(self, self->state.options.reload_interval, version_tick_atom::value);
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
  };
}

}  // namespace

caf::actor spawn_routing_loader(caf::local_actor& parent, storage::pg_pool& pool, table_slot table,
                                routing_loader_options options) {
  return parent.spawn(routing_loader, &pool, std::move(table), std::move(options));
}

}  // namespace delta::llm
