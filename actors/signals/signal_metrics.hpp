#pragma once
// The pipeline's metrics, named after the seed's (SigmaPilot Lens).

#include "telemetry/metrics_registry.hpp"

namespace delta::signals::metrics {

inline telemetry::counter& received() {
  static auto& c = telemetry::global_metrics()
                       .counter_family("signals_received_total", "Signals committed by POST /api/v2/signals")
                       .with({});
  return c;
}

inline telemetry::counter& enqueued() {
  static auto& c = telemetry::global_metrics()
                       .counter_family("signals_enqueued_total", "Events handed to the pipeline (fresh or claimed)")
                       .with({});
  return c;
}

inline telemetry::histogram& enrichment_duration() {
  static auto& h = telemetry::global_metrics()
                       .histogram_family("enrichment_duration_seconds", "Enrich stage: candles to stored features",
                                         {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5})
                       .with({});
  return h;
}

inline telemetry::histogram& evaluation_duration(const std::string& model) {
  return telemetry::global_metrics()
      .histogram_family("model_evaluation_duration_seconds", "One evaluator's call through the LLM gateway",
                        {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60})
      .with({{"model", model}});
}

inline telemetry::counter& published() {
  static auto& c = telemetry::global_metrics()
                       .counter_family("decisions_published_total", "Decisions sent to the live stream")
                       .with({});
  return c;
}

inline telemetry::counter& dead_letters() {
  static auto& c = telemetry::global_metrics()
                       .counter_family("dlq_entries_total", "Events that used up their attempts (dead)")
                       .with({});
  return c;
}

inline telemetry::gauge& queue_depth() {
  static auto& g = telemetry::global_metrics()
                       .gauge_family("queue_depth", "Unfinished signal events (received, enriched, evaluated, failed)")
                       .with({});
  return g;
}

}  // namespace delta::signals::metrics
