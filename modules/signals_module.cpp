// The signal pipeline: ingest with group commit, enrich, evaluate, publish,
// its routes (API.md "Signals") and the `decisions` stream channel. Files:
// http/routes/signals.cpp; actors/signals/; storage/signal_repository;
// migrations 0007, 0008.
#include "modules/module.hpp"

#include "actors/signals/signals_supervisor.hpp"
#include "http/routes/signals.hpp"
#include "storage/signal_repository.hpp"
#include "telemetry/json_log.hpp"

#include <algorithm>

namespace delta::modules {

namespace {

signals::signals_options options_of(const config::signals_settings& s, const http::services& svc) {
  signals::signals_options o;
  o.process = s.process;
  o.retry.max_attempts = s.max_attempts;
  o.retry.backoff.base = std::chrono::milliseconds(s.retry_base_ms);
  o.retry.backoff.cap = std::chrono::milliseconds(s.retry_cap_ms);
  o.retry.backoff.floor = std::min(o.retry.backoff.floor, o.retry.backoff.base);
  o.poll_interval = std::chrono::milliseconds(s.poll_interval_ms);
  o.lease = std::chrono::seconds(s.lease_seconds);
  o.concurrency = s.concurrency;
  o.evaluations_in_flight = s.evaluations_in_flight;
  o.batch_max = s.batch_max;
  o.batches_in_flight = s.batches_in_flight;
  o.llm = svc.slot(protocol::llm_service);
  o.llm_admin = svc.slot(protocol::llm_admin_service);
  o.stream = svc.slot(protocol::stream_hub_service);
  return o;
}

class signals_module : public module {
 public:
  std::string_view name() const override { return "signals"; }
  void register_statements(storage::pg_pool& pool) const override { storage::signals::register_statements(pool); }
  void add_routes(http::router& r) const override { http::add_signals_routes(r); }
  void add_stream_channels(protocol::stream_channels& channels) const override {
    channels.push_back(protocol::decisions_channel());
  }
  std::optional<runtime::supervisor_spec> supervisor(node_context& ctx) override {
    handles_.api = ctx.services.slot(protocol::signals_service);
    return signals::signals_supervisor(ctx.pool, options_of(ctx.settings.signals, ctx.services), handles_);
  }
  // Pipeline stages take milliseconds: the HTTP grace period bounds them too.
  void drain(node_context& ctx, caf::actor_system& system) override {
    auto began = std::chrono::steady_clock::now();
    auto released =
        signals::drain_signals(system, handles_, std::chrono::seconds(ctx.settings.http.shutdown_timeout_seconds));
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
    telemetry::log_info("signal pipeline drained", {{"waited_ms", waited.count()}, {"signals_released", released}});
  }

 private:
  signals::signals_handles handles_;
};

}  // namespace

std::unique_ptr<module> make_signals_module() { return std::make_unique<signals_module>(); }

}  // namespace delta::modules
