// Durable background jobs: the dispatcher, job entities, schedules, the jobs
// API and its routes (API.md "Jobs", the research and backtest rows of
// "Signals", the admin dead letters) and the `jobs` stream channel. Files:
// http/routes/jobs.cpp; actors/jobs/; storage/jobs_repository; migration 0005.
#include "modules/module.hpp"

#include "actors/jobs/builtin_kinds.hpp"
#include "actors/jobs/jobs_supervisor.hpp"
#include "http/routes/jobs.hpp"
#include "storage/jobs_repository.hpp"
#include "telemetry/json_log.hpp"

namespace delta::modules {

namespace {

class jobs_module : public module {
 public:
  std::string_view name() const override { return "jobs"; }
  void register_statements(storage::pg_pool& pool) const override { storage::jobs::register_statements(pool); }
  void add_routes(http::router& r) const override { http::add_jobs_routes(r); }
  void add_stream_channels(protocol::stream_channels& channels) const override {
    channels.push_back(protocol::jobs_channel());
  }
  void add_job_kinds(node_context& ctx) const override { jobs::add_builtin_kinds(*ctx.job_kinds); }
  // Throws std::invalid_argument for schedules that cannot run.
  std::optional<runtime::supervisor_spec> supervisor(node_context& ctx) override {
    auto& s = ctx.settings.jobs;
    jobs::jobs_options o;
    o.concurrency = s.concurrency;
    o.lease = std::chrono::seconds(s.lease_seconds);
    o.poll_interval = std::chrono::milliseconds(s.poll_interval_ms);
    o.schedules = s.schedules;
    o.listen_url = ctx.settings.database.url;  // LISTEN/NOTIFY wakes the dispatcher; polling is the fallback
    o.events = ctx.services.slot(protocol::stream_hub_service);  // progress and completion for the live stream
    handles_.api = ctx.services.slot(protocol::jobs_service);
    return jobs::jobs_supervisor(ctx.pool, o, ctx.job_kinds, handles_);
  }
  // Running jobs get their own grace period; the leases of those that do not
  // finish are released so another node takes them at once.
  void drain(node_context& ctx, caf::actor_system& system) override {
    auto began = std::chrono::steady_clock::now();
    auto released = jobs::drain_jobs(system, handles_, std::chrono::seconds(ctx.settings.jobs.shutdown_timeout_seconds));
    telemetry::log_info("jobs drained", {{"waited_ms", ms_since(began)}, {"jobs_released", released}});
  }

 private:
  static std::int64_t ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
  }
  jobs::jobs_handles handles_;
};

}  // namespace

std::unique_ptr<module> make_jobs_module() { return std::make_unique<jobs_module>(); }

}  // namespace delta::modules
