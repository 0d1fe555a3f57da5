#include "actors/llm/accounting.hpp"

#include "telemetry/metrics_registry.hpp"

namespace delta::llm {

namespace {

struct llm_metrics {
  telemetry::family<telemetry::counter>& requests;
  telemetry::family<telemetry::histogram>& duration;
  telemetry::family<telemetry::counter>& tokens;
  telemetry::family<telemetry::gauge>& cost;
  telemetry::family<telemetry::counter>& unpriced;
  telemetry::family<telemetry::counter>& dropped;
};

llm_metrics& metrics() {
  auto& m = telemetry::global_metrics();
  static llm_metrics families{
      m.counter_family("llm_requests_total", "LLM provider calls by outcome (breaker skips included)"),
      m.histogram_family("llm_request_duration_seconds", "LLM provider call latency",
                         {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}),
      m.counter_family("llm_tokens_total", "LLM tokens by type (prompt, completion)"),
      m.float_counter_family("llm_cost_usd_total", "LLM spend in USD from the price table"),
      m.counter_family("llm_unpriced_calls_total", "LLM calls to a model without a price row"),
      m.counter_family("llm_accounting_dropped_total",
                       "llm_calls rows dropped because the write buffer was full")};
  return families;
}

}  // namespace

std::string_view outcome_of(const call_failure& f) {
  switch (f.kind) {
    case failure_kind::timeout: return "timeout";
    case failure_kind::invalid_output: return "invalid_output";
    case failure_kind::http_status: return f.status == 429 ? "rate_limited" : "error";
    default: return "error";
  }
}

accounting::accounting(std::size_t max_buffered) : max_buffered_{max_buffered} {}

void accounting::record(const attempt_record& r) {
  auto& m = metrics();
  const auto& p = r.id.provider;
  const auto& model = r.id.model;
  m.requests.with({{"provider", p}, {"model", model}, {"use_case", r.use_case}, {"outcome", r.outcome}}).inc();
  if (r.called) {
    m.duration.with({{"provider", p}, {"model", model}, {"use_case", r.use_case}})
        .observe(static_cast<double>(r.latency_ms) / 1000.0);
  }
  if (r.prompt_tokens > 0)
    m.tokens.with({{"provider", p}, {"model", model}, {"use_case", r.use_case}, {"type", "prompt"}})
        .inc(static_cast<std::uint64_t>(r.prompt_tokens));
  if (r.completion_tokens > 0)
    m.tokens.with({{"provider", p}, {"model", model}, {"use_case", r.use_case}, {"type", "completion"}})
        .inc(static_cast<std::uint64_t>(r.completion_tokens));
  if (r.cost_usd > 0)
    m.cost.with({{"provider", p}, {"model", model}, {"use_case", r.use_case}}).add(r.cost_usd);
  if (r.called && !r.priced) m.unpriced.with({{"provider", p}, {"model", model}}).inc();
  push({r.at_unix_ms, p, model, r.use_case, r.outcome, r.latency_ms, r.prompt_tokens,
        r.completion_tokens, r.cost_usd, r.error_kind});
}

void accounting::push(storage::llm::call_row row) {
  if (rows_.size() >= max_buffered_) {
    metrics().dropped.with({}).inc();
    return;
  }
  rows_.push_back(std::move(row));
}

std::vector<storage::llm::call_row> accounting::take(std::size_t max) {
  std::vector<storage::llm::call_row> out;
  while (!rows_.empty() && out.size() < max) {
    out.push_back(std::move(rows_.front()));
    rows_.pop_front();
  }
  return out;
}

void accounting::give_back(std::vector<storage::llm::call_row> rows) {
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (rows_.size() >= max_buffered_) {
      metrics().dropped.with({}).inc();
      continue;
    }
    rows_.push_front(std::move(*it));
  }
}

}  // namespace delta::llm
