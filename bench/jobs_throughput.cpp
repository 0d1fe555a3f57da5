// Job engine benchmark (issue 5): throughput of noop jobs and the
// enqueue -> handler start latency under light load, against a real
// PostgreSQL, with the node's default jobs settings (config/settings.hpp).
//
//   delta_jobs_bench [--url postgresql://postgres@127.0.0.1:55481/postgres]
//                    [--jobs 100000] [--rate 200] [--seconds 10]
//
// It creates a scratch database on that cluster (dropped at the end),
// applies the migrations, then:
//   1. enqueues --jobs noop jobs (batched inserts, before any dispatcher
//      runs), starts one node's jobs supervisor and reports completed jobs/s
//      until the database shows every job succeeded;
//   2. enqueues one `probe` job at a time at --rate jobs/s for --seconds from
//      another pool (as the API would) and reports the time from just before
//      the enqueue was sent to the handler's start: p50, p99, max.
#include "actors/jobs/builtin_kinds.hpp"
#include "actors/jobs/jobs_supervisor.hpp"
#include "config/settings.hpp"
#include "protocol/registration.hpp"
#include "storage/jobs_repository.hpp"
#include "storage/migrator.hpp"
#include "storage/pg_connection.hpp"

#include <caf/all.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <future>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

namespace {

using namespace std::chrono;
namespace jobs = delta::jobs;
namespace storage = delta::storage;

std::int64_t now_ns() { return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count(); }

// Start latencies of probe jobs, in microseconds.
struct probe_log {
  std::mutex mutex;
  std::vector<double> micros;
};
probe_log probes;

void run_probe(jobs::job_context& ctx) {
  auto started = now_ns();
  auto& p = ctx.job().payload;  // {"t": <ns>}
  auto sent = std::stoll(p.substr(p.find(':') + 1));
  {
    std::lock_guard guard{probes.mutex};
    probes.micros.push_back(static_cast<double>(started - sent) / 1000.0);
  }
  ctx.succeed("{}");
}

std::string arg(int argc, char** argv, const std::string& name, std::string fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return fallback;
}

std::string with_database(const std::string& url, const std::string& db) {
  auto slash = url.rfind('/');
  return url.substr(0, slash + 1) + db;
}

storage::pg_reply call_and_wait(storage::pg_pool& pool, std::vector<storage::pg_statement> steps) {
  std::promise<storage::pg_reply> done;
  auto f = done.get_future();
  pool.call(std::move(steps), false, [&done](storage::pg_reply r) { done.set_value(std::move(r)); });
  return f.get();
}

std::int64_t succeeded(storage::pg_pool& pool, const std::string& kind) {
  auto r = call_and_wait(pool, {storage::pg_statement::literal(
                                   "SELECT count(*) FROM jobs WHERE status = 'succeeded' AND kind = $1", {kind})});
  return r.ok() ? std::stoll(r.results.at(0).rows.at(0).at(0).value_or("0")) : -1;
}

void enqueue_noops(storage::pg_pool& pool, int total) {
  storage::jobs::new_job noop;
  noop.kind = "noop";
  for (int done = 0; done < total;) {
    int n = std::min(5000, total - done);
    auto r = call_and_wait(pool, {storage::jobs::enqueue_batch(std::vector<storage::jobs::new_job>(n, noop))});
    if (!r.ok()) throw std::runtime_error{r.error->message};
    done += n;
  }
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

storage::pool_options pool_of(const delta::config::settings& s, const std::string& url) {
  return {url, s.database.pool_size, s.database.connect_timeout_seconds, s.database.query_timeout_ms,
          s.database.reconnect_max_backoff_ms};
}

void measure_latency(storage::pg_pool& client, int rate, int seconds) {
  auto interval = nanoseconds(1000000000LL / rate);
  auto next = steady_clock::now();
  int total = rate * seconds;
  std::atomic<int> acked{0};
  for (int i = 0; i < total; ++i) {
    next += interval;
    std::this_thread::sleep_until(next);  // the bench's own pacing thread, not an actor
    storage::jobs::new_job probe;
    probe.kind = "probe";
    probe.payload = "{\"t\": " + std::to_string(now_ns()) + "}";
    client.call(storage::jobs::enqueue(probe), false, [&acked](storage::pg_reply) { ++acked; });
  }
  while (acked < total) std::this_thread::sleep_for(milliseconds(10));
}

}  // namespace

int main(int argc, char** argv) {
  auto admin_url = arg(argc, argv, "url", "postgresql://postgres@127.0.0.1:55481/postgres");
  int total = std::stoi(arg(argc, argv, "jobs", "100000"));
  int rate = std::stoi(arg(argc, argv, "rate", "200"));
  int seconds = std::stoi(arg(argc, argv, "seconds", "10"));
  auto s = delta::config::load({});  // the defaults a node runs with

  auto db = "delta_jobs_bench_" + std::to_string(getpid());
  storage::pg_connection{admin_url}.exec("CREATE DATABASE " + db);
  auto url = with_database(admin_url, db);
  storage::apply_migrations(url, storage::load_migrations(DELTA_MIGRATIONS_DIR));

  storage::pg_pool pool{pool_of(s, url)};
  storage::jobs::register_statements(pool);
  pool.start();
  storage::pg_pool client{pool_of(s, url)};
  storage::jobs::register_statements(client);
  client.start();

  auto t0 = steady_clock::now();
  enqueue_noops(client, total);
  auto enqueue_s = duration<double>(steady_clock::now() - t0).count();

  caf::actor_system_config cfg;
  delta::protocol::register_types(cfg);
  cfg.set("scheduler.max-threads", s.runtime.scheduler_threads);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};
  auto kinds = std::make_shared<jobs::handler_registry>();
  jobs::add_builtin_kinds(*kinds);
  kinds->add("probe", jobs::synchronous(run_probe));
  jobs::jobs_options options;
  options.concurrency = s.jobs.concurrency;
  options.lease = std::chrono::seconds(s.jobs.lease_seconds);
  options.poll_interval = milliseconds(s.jobs.poll_interval_ms);
  options.listen_url = url;
  jobs::jobs_handles handles;

  auto t1 = steady_clock::now();
  auto sup = delta::runtime::spawn_supervisor(system, jobs::jobs_supervisor(pool, options, kinds, handles));
  while (succeeded(pool, "noop") < total) std::this_thread::sleep_for(milliseconds(20));
  auto run_s = duration<double>(steady_clock::now() - t1).count();

  measure_latency(client, rate, seconds);
  while (succeeded(pool, "probe") < rate * seconds) std::this_thread::sleep_for(milliseconds(20));

  std::printf("jobs bench: concurrency %d, pool %d, scheduler threads %d, lease %d s\n", s.jobs.concurrency,
              s.database.pool_size, s.runtime.scheduler_threads, s.jobs.lease_seconds);
  std::printf("enqueue %d noop jobs (batches of 5000): %.2f s, %.0f jobs/s\n", total, enqueue_s, total / enqueue_s);
  std::printf("run %d noop jobs: %.2f s, %.0f completed jobs/s\n", total, run_s, total / run_s);
  {
    std::lock_guard guard{probes.mutex};
    std::printf("enqueue->start latency at %d jobs/s for %d s (%zu jobs): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                rate, seconds, probes.micros.size(), percentile(probes.micros, 0.50) / 1000,
                percentile(probes.micros, 0.99) / 1000, percentile(probes.micros, 1.0) / 1000);
  }

  jobs::drain_jobs(system, handles, std::chrono::seconds(5));
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
  client.stop();
  pool.stop();
  storage::pg_connection{admin_url}.exec("DROP DATABASE " + db + " WITH (FORCE)");
  return 0;
}
