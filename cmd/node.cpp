// One node: its modules (modules/node_modules.cpp) assembled into a pool, a
// route table, a supervision tree and the HTTP edge; SIGTERM drains it.
#include "cmd/node.hpp"

#include "actors/runtime/published_child.hpp"
#include "actors/runtime/supervisor.hpp"
#include "http/edge.hpp"
#include "http/server.hpp"
#include "modules/module.hpp"
#include "protocol/registration.hpp"
#include "storage/migrator.hpp"
#include "storage/pg_pool.hpp"
#include "telemetry/json_log.hpp"
#include "telemetry/metrics_registry.hpp"

#include <caf/all.hpp>

#include <csignal>
#include <optional>
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

// Publishes the live stream's channels: those the modules declare.
void publish_stream_channels(const modules::module_list& modules, const http::services& svc) {
  auto channels = std::make_shared<protocol::stream_channels>();
  for (auto& m : modules) m->add_stream_channels(*channels);
  svc.directory->set(protocol::stream_channels_service, protocol::stream_channels_ptr{std::move(channels)});
}

// The supervision tree of one node: each module's supervisor in list order,
// then the HTTP edge, when everything it calls exists. Throws
// std::invalid_argument for settings a module cannot run (before spawning).
caf::actor start_actors(caf::actor_system& system, const modules::module_list& modules, modules::node_context& ctx,
                        protocol::slot_ptr<caf::actor> edge_slot) {
  runtime::supervisor_spec root{"root", {}};
  for (auto& m : modules)
    if (auto spec = m->supervisor(ctx)) root.children.push_back(runtime::supervisor_child(std::move(*spec)));
  root.children.push_back(runtime::supervisor_child(
      {"http_edge", {runtime::published("edge", edge_slot, [svc = ctx.services](caf::local_actor& sup) {
                       return http::spawn_edge(sup, svc);
                     })}}));
  // Every slot exists now: lookups take no lock from here on.
  ctx.services.directory->freeze();
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

// Milliseconds since `start`, for the shutdown's log lines.
std::int64_t ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

// After stop_accepting(): each step is bounded and says in the log what it
// waited for, so the whole shutdown takes at most
// http.shutdown_timeout_seconds (requests) + each module's drain bound
// (jobs.shutdown_timeout_seconds for running jobs, the HTTP bound again for
// pipeline stages), and the moments it takes to release leases and stop the
// actors.
// Waits for the requests in flight (answering 503 to those still waiting at
// the timeout), then stops the asio threads; true when all finished in time.
bool drain_http(const config::settings& s, http::server& server) {
  auto began = std::chrono::steady_clock::now();
  bool drained = server.wait_idle(std::chrono::seconds(s.http.shutdown_timeout_seconds));
  if (drained)
    telemetry::log_info("http drained: every request answered", {{"waited_ms", ms_since(began)}});
  else
    telemetry::log_warn("shutdown timeout reached with requests in flight",
                        {{"waited_ms", ms_since(began)},
                         {"in_flight", server.in_flight()},
                         {"connections", server.open_connections()},
                         {"websockets", server.open_websockets()}});
  server.stop();
  return drained;
}

void stop_node(const modules::module_list& modules, modules::node_context& ctx, http::server& server,
               caf::actor_system& system, const caf::actor& root) {
  auto began = std::chrono::steady_clock::now();
  // HTTP first: in-flight requests may still enqueue jobs and signals, which
  // the drains below then release rather than leave leased.
  bool drained = drain_http(ctx.settings, server);
  for (auto& m : modules) m->drain(ctx, system);
  auto step = std::chrono::steady_clock::now();
  auto running = static_cast<std::int64_t>(system.registry().running());
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
  telemetry::log_info("actors done", {{"waited_ms", ms_since(step)}, {"actors", running}});
  for (auto it = modules.rbegin(); it != modules.rend(); ++it) (*it)->stop(ctx);
  ctx.pool.stop();
  telemetry::log_info("stopped", {{"drained", drained}, {"duration_ms", ms_since(began)}});
}

// Undoes what started before the node could serve.
void abandon(const modules::module_list& modules, modules::node_context& ctx) {
  for (auto it = modules.rbegin(); it != modules.rend(); ++it) (*it)->stop(ctx);
  ctx.pool.stop();
}

}  // namespace

int serve(const config::settings& s) {
  auto signals = block_termination_signals();
  if (!migrate_if_asked(s)) return 1;

  auto modules = modules::node_modules();
  storage::pg_pool pool{pool_options_of(s)};
  for (auto& m : modules) m->register_statements(pool);
  pool.export_metrics(telemetry::global_metrics());
  pool.start();

  // The HTTP server (its io_context) is declared before the actor system so
  // that it is destroyed after it: an actor's cleanup can still be dropping
  // a WebSocket session, whose socket belongs to that io_context, after
  // await_all_actors_done() returned; the system's destructor waits for it.
  auto routes = modules::build_router(modules);
  auto edge_slot = std::make_shared<protocol::actor_slot<caf::actor>>();
  std::optional<http::server> server;

  caf::actor_system_config cfg;
  protocol::register_types(cfg);
  cfg.set("scheduler.max-threads", s.runtime.scheduler_threads);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};

  http::services svc;
  modules::node_context ctx{s, pool, svc, std::make_shared<jobs::handler_registry>()};
  publish_stream_channels(modules, svc);
  for (auto& m : modules) m->add_job_kinds(ctx);
  caf::actor root;
  try {
    for (auto& m : modules) m->start(ctx);
    root = start_actors(system, modules, ctx, edge_slot);
  } catch (const std::invalid_argument& e) {
    telemetry::log_error("cannot start the node", {{"error", e.what()}});
    abandon(modules, ctx);
    return 2;
  } catch (const std::exception& e) {
    telemetry::log_error("cannot start the node", {{"error", e.what()}});
    abandon(modules, ctx);
    return 1;
  }

  server.emplace(server_options_of(s), *routes, http::make_dispatch(edge_slot));
  unsigned short port = 0;
  try {
    port = server->start();
  } catch (const std::exception& e) {
    telemetry::log_error("cannot listen", {{"host", s.http.host}, {"port", s.http.port}, {"error", e.what()}});
    caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
    system.await_all_actors_done();
    abandon(modules, ctx);
    return 1;
  }
  auto url = "http://" + s.http.host + ":" + std::to_string(port);
  telemetry::log_info("listening", {{"url", url}, {"http_threads", s.http.threads},
                                    {"scheduler_threads", s.runtime.scheduler_threads},
                                    {"pool_size", s.database.pool_size}});

  int sig = 0;
  sigwait(&signals, &sig);
  server->stop_accepting();
  telemetry::log_info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                                   {"in_flight", server->in_flight()},
                                   {"connections", server->open_connections()},
                                   {"websockets", server->open_websockets()}});
  stop_node(modules, ctx, *server, system, root);
  return 0;
}

}  // namespace delta::cmd
