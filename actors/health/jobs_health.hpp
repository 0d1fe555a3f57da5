#pragma once
// Pure: the jobs component of /health/detailed from the queue depth by
// status. Figures for operators, not a health verdict: a long queue is load,
// not a fault.
//
// The depth comes from the jobs dispatcher, which already counts the queue
// for the delta_jobs_queue_depth gauge (a few seconds fresh): a health check
// reads that instead of counting the jobs table again.

#include "protocol/health.hpp"
#include "telemetry/metrics_registry.hpp"

namespace delta::health {

inline protocol::component_health jobs_health(telemetry::metrics_registry& metrics) {
  auto& depth = metrics.gauge_family("delta_jobs_queue_depth", "Jobs by status");
  protocol::component_health c;
  c.name = "jobs";
  c.status = "healthy";
  c.message = "ok";
  for (auto* status : {"queued", "running", "failed", "dead"})
    c.details.emplace_back(status, static_cast<std::int64_t>(depth.with({{"status", status}}).value()));
  return c;
}

}  // namespace delta::health
