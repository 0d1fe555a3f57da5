#pragma once
// Accounting of provider calls: every attempt (fallbacks and breaker skips
// included) becomes a row for llm_calls and updates the Prometheus metrics
//   llm_requests_total{provider,model,use_case,outcome}
//   llm_request_duration_seconds{provider,model,use_case}   (calls made)
//   llm_tokens_total{provider,model,use_case,type=prompt|completion}
//   llm_cost_usd_total{provider,model,use_case}
//   llm_unpriced_calls_total{provider,model}   (no price row: cost shows 0)
// Rows are buffered and written in batches by the gateway; the buffer is
// bounded, and rows beyond it are counted in llm_accounting_dropped_total
// rather than growing memory while PostgreSQL is down.

#include "actors/llm/completion.hpp"
#include "actors/llm/endpoint.hpp"
#include "storage/llm_repository.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace delta::llm {

struct attempt_record {
  endpoint id;
  std::string use_case;
  std::string outcome;  // ok, error, timeout, invalid_output, breaker_open, rate_limited
  std::int64_t at_unix_ms = 0;
  std::int64_t latency_ms = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  double cost_usd = 0.0;
  bool priced = true;
  std::string error_kind;  // failure_kind name, or "open"/"saturated" for skips
  bool called = true;      // false for a breaker skip: no provider call was made
};

// llm_calls.outcome for a failed call.
std::string_view outcome_of(const call_failure& f);

class accounting {
 public:
  explicit accounting(std::size_t max_buffered);

  void record(const attempt_record& r);
  // Up to `max` buffered rows, oldest first, removed from the buffer.
  std::vector<storage::llm::call_row> take(std::size_t max);
  // Puts rows back at the front (their INSERT failed; retried next flush).
  void give_back(std::vector<storage::llm::call_row> rows);
  std::size_t buffered() const { return rows_.size(); }

 private:
  void push(storage::llm::call_row row);

  std::size_t max_buffered_;
  std::deque<storage::llm::call_row> rows_;
};

}  // namespace delta::llm
