// The LLM gateway: routing, fallbacks, retries, breakers, accounting and its
// admin (API.md "Platform" /admin/llm, "Signals" /explain). Files:
// http/routes/llm_admin.cpp, explain.cpp; actors/llm/; storage/llm_repository;
// migrations 0003, 0006.
#include "modules/module.hpp"

#include "actors/llm/breaker_entity.hpp"
#include "actors/llm/call_ledger.hpp"
#include "actors/llm/gateway_actor.hpp"
#include "actors/llm/llm_admin_actor.hpp"
#include "actors/llm/routing_loader.hpp"
#include "actors/runtime/published_child.hpp"
#include "http/routes/explain.hpp"
#include "http/routes/llm_admin.hpp"
#include "storage/llm_repository.hpp"
#include "telemetry/json_log.hpp"

#include <stdexcept>

namespace delta::modules {

namespace {

template <class Handle>
protocol::slot_ptr<Handle> make_slot() {
  return std::make_shared<protocol::actor_slot<Handle>>();
}

llm::gateway_options gateway_options_of(const config::llm_settings& s) {
  llm::gateway_options o;
  o.retry.max_attempts = s.max_attempts;
  o.retry.base = std::chrono::milliseconds(s.retry_base_ms);
  o.retry.cap = std::chrono::milliseconds(s.retry_cap_ms);
  o.call_deadline = std::chrono::seconds(s.call_deadline_seconds);
  return o;
}

llm::gate_config gate_config_of(const config::llm_settings& s) {
  llm::gate_config g;
  g.breaker.failure_threshold = s.breaker_failure_threshold;
  g.breaker.cooldown = std::chrono::seconds(s.breaker_cooldown_seconds);
  // Longer than any single provider call (route timeouts are at most 600 s).
  g.breaker.probe_timeout = std::chrono::seconds(610);
  g.max_in_flight = static_cast<std::size_t>(s.max_concurrency_per_endpoint);
  g.slot_timeout = std::chrono::seconds(660);
  return g;
}

class llm_module : public module {
 public:
  std::string_view name() const override { return "llm"; }
  void register_statements(storage::pg_pool& pool) const override { storage::llm::register_statements(pool); }
  void add_routes(http::router& r) const override {
    http::add_llm_admin_routes(r);
    http::add_explain_routes(r);
  }
  // The provider HTTP client runs on threads of its own.
  void start(node_context& ctx) override {
    auto& s = ctx.settings.llm;
    llm::client_options options;
    options.threads = s.client_threads;
    options.ca_file = s.ca_file;
    // Keep as many idle connections as calls may run at once per endpoint, so
    // a steady load reuses them instead of reconnecting per call.
    options.max_connections_per_endpoint = static_cast<std::size_t>(s.max_concurrency_per_endpoint);
    try {
      client_ = std::make_shared<llm::provider_client>(options);
      client_->start();
    } catch (const std::exception& e) {
      throw std::runtime_error{std::string{"cannot start the LLM provider client: "} + e.what()};
    }
  }
  // One breaker entity per provider endpoint; the routing loader, the call
  // ledger and the admin beside the gateway that uses them.
  std::optional<runtime::supervisor_spec> supervisor(node_context& ctx) override {
    using runtime::published;
    auto& s = ctx.settings.llm;
    auto breakers = make_slot<caf::actor>();
    auto loader = make_slot<caf::actor>();
    auto ledger = make_slot<caf::actor>();
    auto table = make_slot<llm::table_ptr>();
    auto gate = gate_config_of(s);
    // Passivating a breaker forgets it: only after it has been idle longer
    // than its cooldown and any call's slot could last.
    auto breaker_idle = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max<std::chrono::steady_clock::duration>(gate.slot_timeout, 2 * gate.breaker.cooldown));
    llm::routing_loader_options loader_options{std::chrono::milliseconds(s.reload_interval_ms), s.key_encryption_key};
    llm::ledger_options ledger_options;
    ledger_options.calls_retention_days = s.calls_retention_days;
    llm::gateway_links links{table, loader, breakers, ledger};
    auto* pool = &ctx.pool;
    return runtime::supervisor_spec{
        "llm",
        {published("breakers", breakers,
                   [gate, breaker_idle](caf::local_actor& sup) {
                     return llm::spawn_breaker_region(sup, gate, breaker_idle);
                   }),
         published("routes", loader,
                   [pool, table, loader_options](caf::local_actor& sup) {
                     return llm::spawn_routing_loader(sup, *pool, table, loader_options);
                   }),
         published("ledger", ledger,
                   [pool, ledger_options](caf::local_actor& sup) {
                     return llm::spawn_call_ledger(sup, *pool, ledger_options);
                   }),
         published("admin", ctx.services.slot(protocol::llm_admin_service),
                   [pool, links, key = s.key_encryption_key](caf::local_actor& sup) {
                     return llm::spawn_llm_admin(sup, *pool, {links.table, links.loader, links.breakers}, key);
                   }),
         published("gateway", ctx.services.slot(protocol::llm_service),
                   [client = client_, links, options = gateway_options_of(s)](caf::local_actor& sup) {
                     return llm::spawn_gateway(sup, client, links, options);
                   })}};
  }
  void stop(node_context&) override {
    if (client_) client_->stop();
  }

 private:
  std::shared_ptr<llm::provider_client> client_;
};

}  // namespace

std::unique_ptr<module> make_llm_module() { return std::make_unique<llm_module>(); }

}  // namespace delta::modules
