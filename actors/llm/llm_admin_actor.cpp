#include "actors/llm/llm_admin_actor.hpp"

#include "actors/llm/gateway_admin.hpp"
#include "actors/llm/key_vault.hpp"
#include "actors/llm/use_case.hpp"
#include "actors/runtime/db_calls.hpp"
#include "actors/runtime/db_errors.hpp"
#include "protocol/entity.hpp"
#include "protocol/errors.hpp"
#include "storage/llm_repository.hpp"
#include "telemetry/json_log.hpp"

#include <caf/all.hpp>

namespace delta::llm {

namespace {

// A reload after a change may wait behind a load in progress.
constexpr auto reload_timeout = std::chrono::seconds(10);

using admin_impl =
    protocol::llm_admin_actor::extend<caf::reacts_to<runtime::db_reply_atom, std::uint64_t, storage::pg_reply>>;

struct admin_state {
  static inline const char* name = "delta.llm.admin";
  storage::pg_pool* pool = nullptr;
  llm_admin_links links;
  key_vault vault;
  runtime::db_calls db;
};

using admin_self = admin_impl::stateful_pointer<admin_state>;

caf::error invalid(const config_problem& p) { return protocol::make_validation_error(p.field, p.problem); }

caf::error failed_write(const storage::pg_error& e, protocol::errc on_constraint) {
  // The server's text stays in the log: it may name columns.
  telemetry::log_warn("llm config change failed", {{"error", e.message}});
  return runtime::domain_error_of(e, on_constraint);
}

// Answers once this node has reloaded what was stored (a reload that fails
// still answers: the change is stored, and the next poll loads it).
template <class T>
void answer_after_reload(admin_self self, caf::typed_response_promise<T> promise, T value) {
  auto loader = self->state.links.loader->get();
  if (!loader) return void(promise.deliver(std::move(value)));
  self->request(loader, reload_timeout, reload_table_atom::value)
      .then([promise, value](bool) mutable { promise.deliver(std::move(value)); },
            [promise, value](const caf::error&) mutable { promise.deliver(std::move(value)); });
}

// Runs `steps`; on success converts the reply, and reloads first when it was a change.
template <class T, class Convert>
caf::typed_response_promise<T> store_or_read(admin_self self, std::vector<storage::pg_statement> steps,
                                             bool change, Convert convert,
                                             protocol::errc on_constraint = protocol::errc::invalid) {
  auto promise = self->make_response_promise<T>();
  self->state.db.call(self, *self->state.pool, std::move(steps), change,
                      [self, promise, convert, change, on_constraint](storage::pg_reply& reply) mutable {
                        if (!reply.ok()) return void(promise.deliver(failed_write(*reply.error, on_constraint)));
                        caf::expected<T> value = convert(reply);
                        if (!value) return void(promise.deliver(value.error()));
                        if (!change) return void(promise.deliver(std::move(*value)));
                        answer_after_reload(self, promise, std::move(*value));
                      });
  return promise;
}

void breakers(admin_self self, caf::typed_response_promise<protocol::breaker_list> promise) {
  auto region = self->state.links.breakers->get();
  auto table = self->state.links.table->get();
  auto endpoints = table ? table->endpoints() : std::vector<endpoint>{};
  if (endpoints.empty() || !region) return void(promise.deliver(protocol::breaker_list{}));
  auto views = std::make_shared<protocol::breaker_list>(endpoints.size());
  auto left = std::make_shared<std::size_t>(endpoints.size());
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    auto& e = endpoints[i];
    auto done = [views, left, promise, i, e](protocol::breaker_view v) mutable {
      v.provider = e.provider;
      v.model = e.model;
      v.base_url = e.base_url;
      (*views)[i] = std::move(v);
      if (--*left == 0) promise.deliver(std::move(*views));
    };
    self->request(region, caf::infinite, protocol::entity_atom::value, e.key(),
                  caf::make_message(protocol::gate_snapshot_atom::value))
        .then([done](const protocol::breaker_view& v) mutable { done(v); },
              [done](const caf::error&) mutable {
                protocol::breaker_view unknown;
                unknown.state = "unknown";
                done(unknown);
              });
  }
}

caf::error unknown_use_case() { return protocol::make_error(protocol::errc::not_found, "use case"); }

admin_impl::behavior_type llm_admin(admin_self self, storage::pg_pool* pool, llm_admin_links links,
                                    std::string key_hex) {
  self->state.pool = pool;
  self->state.links = std::move(links);
  // deltad checked the format at start-up; a bad value here leaves the vault unconfigured.
  self->state.vault = key_vault::from_hex(key_hex).value_or(key_vault{});
  return {
      [self](protocol::llm_breakers_atom) -> caf::result<protocol::breaker_list> {
        auto promise = self->make_response_promise<protocol::breaker_list>();
        breakers(self, promise);
        return promise;
      },
      [self](protocol::llm_get_route_atom, const std::string& uc) -> caf::result<protocol::llm_route_config> {
        if (!parse_use_case(uc)) return unknown_use_case();
        return store_or_read<protocol::llm_route_config>(
            self, {storage::llm::route(uc)}, false,
            [](storage::pg_reply& reply) -> caf::expected<protocol::llm_route_config> {
              auto& rows = reply.results.at(0).rows;
              if (rows.empty()) return protocol::make_error(protocol::errc::not_found);
              return to_view(storage::llm::to_route(rows.at(0)));
            });
      },
      [self](protocol::llm_put_route_atom, protocol::llm_route_config& r) -> caf::result<protocol::llm_route_config> {
        if (!parse_use_case(r.use_case)) return unknown_use_case();
        if (auto p = check_route(r, self->state.vault)) return invalid(*p);
        return store_or_read<protocol::llm_route_config>(
            self, {storage::llm::upsert_route(to_row(r, self->state.vault))}, true,
            [](storage::pg_reply& reply) -> caf::expected<protocol::llm_route_config> {
              return to_view(storage::llm::to_route(reply.results.at(0).rows.at(0)));
            });
      },
      [self](protocol::llm_get_fallbacks_atom, const std::string& uc) -> caf::result<protocol::llm_endpoint_list> {
        if (!parse_use_case(uc)) return unknown_use_case();
        return store_or_read<protocol::llm_endpoint_list>(
            self, {storage::llm::fallbacks(uc)}, false,
            [](storage::pg_reply& reply) -> caf::expected<protocol::llm_endpoint_list> {
              return to_view(storage::llm::to_fallbacks(reply.results.at(0)));
            });
      },
      [self](protocol::llm_put_fallbacks_atom, const std::string& uc,
             protocol::llm_endpoint_list& chain) -> caf::result<protocol::llm_endpoint_list> {
        if (!parse_use_case(uc)) return unknown_use_case();
        if (auto p = check_fallbacks(chain, self->state.vault)) return invalid(*p);
        // The chain hangs off the routing row (foreign key): without one,
        // the insert fails as a constraint, answered as not_found.
        return store_or_read<protocol::llm_endpoint_list>(
            self, storage::llm::replace_fallbacks(uc, to_rows(uc, chain, self->state.vault)), true,
            [](storage::pg_reply& reply) -> caf::expected<protocol::llm_endpoint_list> {
              return to_view(storage::llm::to_fallbacks(reply.results.at(2)));
            },
            protocol::errc::not_found);
      },
      [self](protocol::llm_get_evaluators_atom) -> caf::result<protocol::llm_evaluator_list> {
        return store_or_read<protocol::llm_evaluator_list>(
            self, {storage::llm::evaluators()}, false,
            [](storage::pg_reply& reply) -> caf::expected<protocol::llm_evaluator_list> {
              return to_view(storage::llm::to_evaluators(reply.results.at(0)));
            });
      },
      [self](protocol::llm_put_evaluators_atom,
             protocol::llm_evaluator_list& list) -> caf::result<protocol::llm_evaluator_list> {
        if (auto p = check_evaluators(list, self->state.vault)) return invalid(*p);
        return store_or_read<protocol::llm_evaluator_list>(
            self, storage::llm::replace_evaluators(to_rows(list, self->state.vault)), true,
            [](storage::pg_reply& reply) -> caf::expected<protocol::llm_evaluator_list> {
              return to_view(storage::llm::to_evaluators(reply.results.at(2)));
            });
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
  };
}

}  // namespace

protocol::llm_admin_actor spawn_llm_admin(caf::local_actor& parent, storage::pg_pool& pool, llm_admin_links links,
                                          const std::string& key_encryption_key_hex) {
  return parent.spawn(llm_admin, &pool, std::move(links), key_encryption_key_hex);
}

}  // namespace delta::llm
