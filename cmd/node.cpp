#include "cmd/node.hpp"

#include "actors/auth/auth_actor.hpp"
#include "actors/auth/hasher.hpp"
#include "actors/health/health_actor.hpp"
#include "actors/jobs/builtin_kinds.hpp"
#include "actors/jobs/jobs_supervisor.hpp"
#include "actors/research/research_report.hpp"
#include "actors/llm/breaker_entity.hpp"
#include "actors/llm/call_ledger.hpp"
#include "actors/llm/gateway_actor.hpp"
#include "actors/llm/llm_admin_actor.hpp"
#include "actors/llm/routing_loader.hpp"
#include "actors/market/market_actor.hpp"
#include "actors/ratelimit/bucket_actor.hpp"
#include "actors/stream/stream_hub.hpp"
#include "actors/signals/pipeline.hpp"
#include "actors/runtime/published_child.hpp"
#include "actors/runtime/supervisor.hpp"
#include "http/edge.hpp"
#include "http/routes/routes.hpp"
#include "http/server.hpp"
#include "protocol/registration.hpp"
#include "storage/migrator.hpp"
#include "storage/pg_pool.hpp"
#include "storage/identity_repository.hpp"
#include "storage/jobs_repository.hpp"
#include "storage/llm_repository.hpp"
#include "storage/candle_repository.hpp"
#include "storage/security_repository.hpp"
#include "storage/signal_repository.hpp"
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

template <class Handle>
protocol::slot_ptr<Handle> make_slot() {
  return std::make_shared<protocol::actor_slot<Handle>>();
}

using runtime::published;  // a permanent child publishing its handle into a slot

// How long a bucket must be idle before passivating it forgets nothing: the
// slowest of its limiters to come to rest (GCRA: burst x interval).
std::chrono::milliseconds rest_time(int per_minute, int burst,
                                    const std::vector<config::group_limit>& groups) {
  auto ms = std::int64_t{burst} * 60000 / per_minute;
  for (auto& g : groups) ms = std::max<std::int64_t>(ms, std::int64_t{g.burst} * 60000 / g.per_minute);
  return std::chrono::milliseconds(ms + 1000);
}

llm::gateway_options gateway_options_of(const config::settings& s) {
  llm::gateway_options o;
  o.retry.max_attempts = s.llm.max_attempts;
  o.retry.base = std::chrono::milliseconds(s.llm.retry_base_ms);
  o.retry.cap = std::chrono::milliseconds(s.llm.retry_cap_ms);
  o.call_deadline = std::chrono::seconds(s.llm.call_deadline_seconds);
  return o;
}

llm::gate_config gate_config_of(const config::settings& s) {
  llm::gate_config g;
  g.breaker.failure_threshold = s.llm.breaker_failure_threshold;
  g.breaker.cooldown = std::chrono::seconds(s.llm.breaker_cooldown_seconds);
  // Longer than any single provider call (route timeouts are at most 600 s).
  g.breaker.probe_timeout = std::chrono::seconds(610);
  g.max_in_flight = static_cast<std::size_t>(s.llm.max_concurrency_per_endpoint);
  g.slot_timeout = std::chrono::seconds(660);
  return g;
}

// The LLM domain: one breaker entity per provider endpoint; the routing
// loader, the call ledger and the admin beside the gateway that uses them.
runtime::supervisor_spec llm_supervisor(storage::pg_pool& pool, const config::settings& s,
                                        http::services& svc, std::shared_ptr<llm::provider_client> client) {
  auto breakers = make_slot<caf::actor>();
  auto loader = make_slot<caf::actor>();
  auto ledger = make_slot<caf::actor>();
  auto table = make_slot<llm::table_ptr>();
  auto gate = gate_config_of(s);
  // Passivating a breaker forgets it: only after it has been idle longer
  // than its cooldown and any call's slot could last.
  auto breaker_idle = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::max<std::chrono::steady_clock::duration>(gate.slot_timeout, 2 * gate.breaker.cooldown));
  llm::routing_loader_options loader_options{std::chrono::milliseconds(s.llm.reload_interval_ms),
                                             s.llm.key_encryption_key};
  llm::ledger_options ledger_options;
  ledger_options.calls_retention_days = s.llm.calls_retention_days;
  llm::gateway_links links{table, loader, breakers, ledger};
  return {"llm",
          {published("breakers", breakers,
                     [gate, breaker_idle](caf::local_actor& sup) {
                       return llm::spawn_breaker_region(sup, gate, breaker_idle);
                     }),
           published("routes", loader,
                     [&pool, table, loader_options](caf::local_actor& sup) {
                       return llm::spawn_routing_loader(sup, pool, table, loader_options);
                     }),
           published("ledger", ledger,
                     [&pool, ledger_options](caf::local_actor& sup) {
                       return llm::spawn_call_ledger(sup, pool, ledger_options);
                     }),
           published("admin", svc.llm_admin,
                     [&pool, links, key = s.llm.key_encryption_key](caf::local_actor& sup) {
                       return llm::spawn_llm_admin(sup, pool, {links.table, links.loader, links.breakers}, key);
                     }),
           published("gateway", svc.llm, [client, links, options = gateway_options_of(s)](caf::local_actor& sup) {
             return llm::spawn_gateway(sup, client, links, options);
           })}};
}

jobs::jobs_options jobs_options_of(const config::settings& s, protocol::slot_ptr<caf::actor> events) {
  jobs::jobs_options o;
  o.concurrency = s.jobs.concurrency;
  o.lease = std::chrono::seconds(s.jobs.lease_seconds);
  o.poll_interval = std::chrono::milliseconds(s.jobs.poll_interval_ms);
  o.schedules = s.jobs.schedules;
  o.listen_url = s.database.url;  // LISTEN/NOTIFY wakes the dispatcher; polling is the fallback
  o.events = std::move(events);   // progress and completion for the live stream
  return o;
}

signals::signals_options signals_options_of(const config::settings& s, const http::services& svc) {
  signals::signals_options o;
  o.process = s.signals.process;
  o.retry.max_attempts = s.signals.max_attempts;
  o.retry.backoff.base = std::chrono::milliseconds(s.signals.retry_base_ms);
  o.retry.backoff.cap = std::chrono::milliseconds(s.signals.retry_cap_ms);
  o.retry.backoff.floor = std::min(o.retry.backoff.floor, o.retry.backoff.base);
  o.poll_interval = std::chrono::milliseconds(s.signals.poll_interval_ms);
  o.lease = std::chrono::seconds(s.signals.lease_seconds);
  o.concurrency = s.signals.concurrency;
  o.evaluations_in_flight = s.signals.evaluations_in_flight;
  o.batch_max = s.signals.batch_max;
  o.batches_in_flight = s.signals.batches_in_flight;
  o.llm = svc.llm;
  o.llm_admin = svc.llm_admin;
  o.stream = svc.stream;
  return o;
}

// The job kinds this node runs: the built-in ones and research_report,
// which writes through the LLM gateway.
std::shared_ptr<const jobs::handler_registry> job_kinds(const http::services& svc) {
  auto kinds = std::make_shared<jobs::handler_registry>();
  jobs::add_builtin_kinds(*kinds);
  research::add_research_report_kind(*kinds, svc.llm);
  return kinds;
}

// The supervision tree of one node; returns the root supervisor. Throws
// std::invalid_argument for job schedules that cannot run (before spawning).
caf::actor start_actors(caf::actor_system& system, storage::pg_pool& pool,
                        const config::settings& s, http::services& svc,
                        protocol::slot_ptr<caf::actor>& edge_slot,
                        std::shared_ptr<llm::provider_client> llm_client, jobs::jobs_handles& jobs_h,
                        signals::signals_handles& signals_h) {
  svc.market = make_slot<protocol::market_actor>();
  svc.health = make_slot<protocol::health_actor>();
  svc.auth = make_slot<protocol::auth_actor>();
  svc.sessions = make_slot<caf::actor>();
  svc.buckets_ip = make_slot<caf::actor>();
  svc.buckets_user = make_slot<caf::actor>();
  svc.buckets_key = make_slot<caf::actor>();
  svc.entitlements = make_slot<protocol::entitlements_ptr>();
  svc.llm = make_slot<protocol::llm_gateway_actor>();
  svc.llm_admin = make_slot<protocol::llm_admin_actor>();
  // The live stream's hub; publishers (jobs: jobs_options::events) send to it.
  svc.stream = make_slot<caf::actor>();
  auto rates = std::make_shared<http::rate_settings>();
  rates->base = s.ratelimit;
  rates->groups = *config::parse_group_limits(s.ratelimit.groups);
  svc.rates = rates;
  edge_slot = make_slot<caf::actor>();
  auto hasher = make_slot<caf::actor>();

  market::market_options market_opts{std::chrono::seconds(s.market.cache_ttl_seconds),
                                     static_cast<std::size_t>(s.market.cache_max_entries)};
  auth::auth_options auth_opts;
  auth_opts.session_ttl = std::chrono::hours(s.auth.session_ttl_hours);
  auto hasher_threads = static_cast<std::size_t>(s.auth.hasher_threads);

  runtime::supervisor_spec auth_sup{
      "auth",
      {published("hasher", hasher,
                 [hasher_threads](caf::local_actor& sup) { return auth::spawn_hasher(sup, hasher_threads); }),
       published("sessions", svc.sessions,
                 [&pool](caf::local_actor& sup) { return auth::spawn_session_region(sup, pool); }),
       published("auth", svc.auth, [&pool, hasher, svc, auth_opts](caf::local_actor& sup) {
         return auth::spawn_auth_actor(sup, pool, hasher, svc.entitlements, svc.sessions, auth_opts);
       })}};
  auto ip_rest = rest_time(s.ratelimit.ip_per_minute, s.ratelimit.ip_burst, rates->groups);
  auto user_rest = rest_time(s.ratelimit.user_per_minute, s.ratelimit.user_burst, rates->groups);
  // Hourly quotas come to rest an hour after their last request.
  auto key_rest = std::max<std::chrono::milliseconds>(std::chrono::hours(1) + std::chrono::seconds(1),
                                                      rest_time(1, 1, rates->groups));
  runtime::supervisor_spec ratelimit_sup{
      "ratelimit",
      {published("buckets_ip", svc.buckets_ip,
                 [ip_rest](caf::local_actor& sup) {
                   return ratelimit::spawn_bucket_region(sup, "buckets_ip", ip_rest);
                 }),
       published("buckets_user", svc.buckets_user,
                 [user_rest](caf::local_actor& sup) {
                   return ratelimit::spawn_bucket_region(sup, "buckets_user", user_rest);
                 }),
       published("buckets_key", svc.buckets_key, [key_rest](caf::local_actor& sup) {
         return ratelimit::spawn_bucket_region(sup, "buckets_key", key_rest);
       })}};
  runtime::supervisor_spec market_sup{
      "market", {published("market", svc.market, [&pool, market_opts](caf::local_actor& sup) {
                   return market::spawn_market_actor(sup, pool, market_opts);
                 })}};
  auto llm_sup = llm_supervisor(pool, s, svc, std::move(llm_client));
  svc.jobs = jobs_h.api;
  runtime::supervisor_spec health_sup{
      "health", {published("health", svc.health, [&pool, llm = svc.llm_admin](caf::local_actor& sup) {
                   return health::spawn_health_actor(sup, pool, llm);
                 })}};
  runtime::supervisor_spec stream_sup{
      "stream", {published("hub", svc.stream, [](caf::local_actor& sup) { return stream::spawn_stream_hub(sup); })}};
  auto jobs_sup = jobs::jobs_supervisor(pool, jobs_options_of(s, svc.stream), job_kinds(svc), jobs_h);
  svc.signals = signals_h.api;
  auto signals_sup = signals::signals_supervisor(pool, signals_options_of(s, svc), signals_h);
  runtime::supervisor_spec edge_sup{
      "http_edge", {published("edge", edge_slot, [svc](caf::local_actor& sup) {
                      return http::spawn_edge(sup, svc);
                    })}};
  // Order matters: the edge starts last, when everything it calls exists.
  runtime::supervisor_spec root{"root",
                                {runtime::supervisor_child(std::move(auth_sup)),
                                 runtime::supervisor_child(std::move(ratelimit_sup)),
                                 runtime::supervisor_child(std::move(market_sup)),
                                 runtime::supervisor_child(std::move(llm_sup)),
                                 runtime::supervisor_child(std::move(health_sup)),
                                 runtime::supervisor_child(std::move(stream_sup)),
                                 runtime::supervisor_child(std::move(jobs_sup)),
                                 runtime::supervisor_child(std::move(signals_sup)),
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

// Milliseconds since `start`, for the shutdown's log lines.
std::int64_t ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

// After stop_accepting(): each step is bounded and says in the log what it
// waited for, so the whole shutdown takes at most
// http.shutdown_timeout_seconds (requests) + jobs.shutdown_timeout_seconds
// (running jobs) + http.shutdown_timeout_seconds (pipeline stages), and the
// moments it takes to release leases and stop the actors.
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

void stop_node(const config::settings& s, http::server& server, caf::actor_system& system, const caf::actor& root,
               const jobs::jobs_handles& jobs_h, const signals::signals_handles& signals_h,
               llm::provider_client& llm_client, storage::pg_pool& pool) {
  auto began = std::chrono::steady_clock::now();
  // HTTP first: in-flight requests may still enqueue jobs and signals, which
  // the drains below then release rather than leave leased.
  bool drained = drain_http(s, server);
  // Running jobs get their own grace period; the leases of those that do not
  // finish are released so another node takes them at once.
  auto step = std::chrono::steady_clock::now();
  auto released = jobs::drain_jobs(system, jobs_h, std::chrono::seconds(s.jobs.shutdown_timeout_seconds));
  telemetry::log_info("jobs drained", {{"waited_ms", ms_since(step)}, {"jobs_released", released}});
  // Pipeline stages take milliseconds: the HTTP grace period bounds them too.
  step = std::chrono::steady_clock::now();
  auto signals_released =
      signals::drain_signals(system, signals_h, std::chrono::seconds(s.http.shutdown_timeout_seconds));
  telemetry::log_info("signal pipeline drained", {{"waited_ms", ms_since(step)}, {"signals_released", signals_released}});
  step = std::chrono::steady_clock::now();
  auto running = static_cast<std::int64_t>(system.registry().running());
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
  telemetry::log_info("actors done", {{"waited_ms", ms_since(step)}, {"actors", running}});
  llm_client.stop();
  pool.stop();
  telemetry::log_info("stopped", {{"drained", drained},
                                  {"jobs_released", released},
                                  {"signals_released", signals_released},
                                  {"duration_ms", ms_since(began)}});
}

}  // namespace

int serve(const config::settings& s) {
  auto signals = block_termination_signals();
  if (!migrate_if_asked(s)) return 1;

  storage::pg_pool pool{pool_options_of(s)};
  storage::securities::register_statements(pool);
  storage::identity::register_statements(pool);
  storage::candles::register_statements(pool);
  storage::llm::register_statements(pool);
  storage::jobs::register_statements(pool);
  storage::signals::register_statements(pool);
  pool.export_metrics(telemetry::global_metrics());
  pool.start();

  // The HTTP server (its io_context) is declared before the actor system so
  // that it is destroyed after it: an actor's cleanup can still be dropping
  // a WebSocket session, whose socket belongs to that io_context, after
  // await_all_actors_done() returned; the system's destructor waits for it.
  auto routes = http::build_router();
  protocol::slot_ptr<caf::actor> edge_slot;
  std::optional<http::server> server;

  caf::actor_system_config cfg;
  protocol::register_types(cfg);
  cfg.set("scheduler.max-threads", s.runtime.scheduler_threads);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};

  llm::client_options client_opts;
  client_opts.threads = s.llm.client_threads;
  client_opts.ca_file = s.llm.ca_file;
  // Keep as many idle connections as calls may run at once per endpoint, so
  // a steady load reuses them instead of reconnecting per call.
  client_opts.max_connections_per_endpoint = static_cast<std::size_t>(s.llm.max_concurrency_per_endpoint);
  std::shared_ptr<llm::provider_client> llm_client;
  try {
    llm_client = std::make_shared<llm::provider_client>(client_opts);
    llm_client->start();
  } catch (const std::exception& e) {
    telemetry::log_error("cannot start the LLM provider client", {{"error", e.what()}});
    pool.stop();
    return 1;
  }

  http::services svc;
  jobs::jobs_handles jobs_h;
  signals::signals_handles signals_h;
  caf::actor root;
  try {
    root = start_actors(system, pool, s, svc, edge_slot, llm_client, jobs_h, signals_h);
  } catch (const std::invalid_argument& e) {
    telemetry::log_error("cannot start the jobs engine", {{"error", e.what()}});
    llm_client->stop();
    pool.stop();
    return 2;
  }

  server.emplace(server_options_of(s), *routes, http::make_dispatch(edge_slot));
  unsigned short port = 0;
  try {
    port = server->start();
  } catch (const std::exception& e) {
    telemetry::log_error("cannot listen", {{"host", s.http.host}, {"port", s.http.port}, {"error", e.what()}});
    caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
    system.await_all_actors_done();
    llm_client->stop();
    pool.stop();
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
  stop_node(s, *server, system, root, jobs_h, signals_h, *llm_client, pool);
  return 0;
}

}  // namespace delta::cmd
