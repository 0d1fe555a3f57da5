#include "cmd/node.hpp"

#include "actors/health/health_actor.hpp"
#include "actors/market/market_actor.hpp"
#include "actors/runtime/supervisor.hpp"
#include "http/edge.hpp"
#include "http/routes/routes.hpp"
#include "http/server.hpp"
#include "protocol/registration.hpp"
#include "storage/migrator.hpp"
#include "storage/pg_pool.hpp"
#include "storage/security_repository.hpp"
#include "telemetry/json_log.hpp"
#include "telemetry/metrics_registry.hpp"

#include <caf/all.hpp>

#include <csignal>
#include <pthread.h>

namespace delta::cmd {

namespace {

storage::pool_options pool_options_of(const config::settings& s) {
  return {s.database.url, s.database.pool_size, s.database.connect_timeout_seconds,
          s.database.query_timeout_ms, s.database.reconnect_max_backoff_ms};
}

http::server_options server_options_of(const config::settings& s) {
  http::server_options o;
  o.host = s.http.host;
  o.port = static_cast<unsigned short>(s.http.port);
  o.threads = s.http.threads;
  o.body_limit = static_cast<std::uint64_t>(s.http.body_limit_bytes);
  o.header_limit = static_cast<std::uint32_t>(s.http.header_limit_bytes);
  o.idle_timeout = std::chrono::seconds(s.http.idle_timeout_seconds);
  o.header_timeout = std::chrono::seconds(s.http.header_timeout_seconds);
  o.cors_allowed_origins = s.http.cors_allowed_origins;
  o.access_log = s.log.access;
  return o;
}

// The supervision tree of one node; returns the root supervisor.
caf::actor start_actors(caf::actor_system& system, storage::pg_pool& pool,
                        const config::settings& s, http::services& svc,
                        protocol::slot_ptr<caf::actor>& edge_slot) {
  svc.market = std::make_shared<protocol::actor_slot<protocol::market_actor>>();
  svc.health = std::make_shared<protocol::actor_slot<protocol::health_actor>>();
  edge_slot = std::make_shared<protocol::actor_slot<caf::actor>>();
  market::market_options market_opts{std::chrono::seconds(s.market.cache_ttl_seconds),
                                     static_cast<std::size_t>(s.market.cache_max_entries)};
  runtime::supervisor_spec market_sup{
      "market",
      {{"market", runtime::restart_policy::permanent,
        [&pool, market_opts, slot = svc.market](caf::local_actor& sup) {
          auto a = market::spawn_market_actor(sup, pool, market_opts);
          slot->set(a);
          return caf::actor_cast<caf::actor>(a);
        }}}};
  runtime::supervisor_spec health_sup{
      "health",
      {{"health", runtime::restart_policy::permanent,
        [&pool, slot = svc.health](caf::local_actor& sup) {
          auto a = health::spawn_health_actor(sup, pool);
          slot->set(a);
          return caf::actor_cast<caf::actor>(a);
        }}}};
  runtime::supervisor_spec edge_sup{
      "http_edge",
      {{"edge", runtime::restart_policy::permanent,
        [svc, edge_slot](caf::local_actor& sup) {
          auto a = http::spawn_edge(sup, svc);
          edge_slot->set(a);
          return a;
        }}}};
  runtime::supervisor_spec root{"root",
                                {runtime::supervisor_child(std::move(market_sup)),
                                 runtime::supervisor_child(std::move(health_sup)),
                                 runtime::supervisor_child(std::move(edge_sup))}};
  return runtime::spawn_supervisor(system, std::move(root));
}

// Blocks SIGINT/SIGTERM in every thread (call before starting any), so that
// only the main thread's sigwait() sees them.
sigset_t block_termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

bool migrate_if_asked(const config::settings& s) {
  if (!s.database.migrate_on_start) return true;
  try {
    auto applied = storage::apply_migrations(
        s.database.url, storage::load_migrations(s.database.migrations_dir));
    for (int v : applied) telemetry::log_info("migration applied", {{"version", v}});
    return true;
  } catch (const std::exception& e) {
    // The message may quote libpq; it never contains the password.
    telemetry::log_error("cannot migrate the database", {{"error", e.what()}});
    return false;
  }
}

}  // namespace

int serve(const config::settings& s) {
  auto signals = block_termination_signals();
  if (!migrate_if_asked(s)) return 1;

  storage::pg_pool pool{pool_options_of(s)};
  storage::securities::register_statements(pool);
  pool.export_metrics(telemetry::global_metrics());
  pool.start();

  caf::actor_system_config cfg;
  protocol::register_types(cfg);
  cfg.set("scheduler.max-threads", s.runtime.scheduler_threads);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};

  http::services svc;
  protocol::slot_ptr<caf::actor> edge_slot;
  auto root = start_actors(system, pool, s, svc, edge_slot);

  auto routes = http::build_router();
  http::server server{server_options_of(s), *routes, http::make_dispatch(edge_slot)};
  unsigned short port = 0;
  try {
    port = server.start();
  } catch (const std::exception& e) {
    telemetry::log_error("cannot listen", {{"host", s.http.host}, {"port", s.http.port}, {"error", e.what()}});
    caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
    pool.stop();
    return 1;
  }
  auto url = "http://" + s.http.host + ":" + std::to_string(port);
  telemetry::log_info("listening", {{"url", url}, {"http_threads", s.http.threads},
                                    {"scheduler_threads", s.runtime.scheduler_threads},
                                    {"pool_size", s.database.pool_size}});

  int sig = 0;
  sigwait(&signals, &sig);
  telemetry::log_info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                                   {"in_flight", server.in_flight()}});
  server.stop_accepting();
  bool drained = server.wait_idle(std::chrono::seconds(s.http.shutdown_timeout_seconds));
  if (!drained)
    telemetry::log_warn("shutdown timeout reached with requests in flight",
                        {{"in_flight", server.in_flight()}});
  server.stop();
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
  pool.stop();
  telemetry::log_info("stopped", {{"drained", drained}});
  return 0;
}

}  // namespace delta::cmd
