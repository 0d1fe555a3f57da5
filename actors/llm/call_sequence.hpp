#pragma once
// The decisions of one gateway call, as a state machine the gateway actor
// drives: walk the chain (fallback_walk), ask each endpoint's breaker before
// calling it, retry the same endpoint only as retry_policy allows, move on
// otherwise, and give up at the deadline or the end of the chain. The actor
// only carries out steps (ask a breaker entity, call the HTTP client, start a
// timer) and feeds the answers back; every decision is here, on a fake clock.
//
//   step s = seq.start(now);
//   loop: s.what == ask_breaker  -> after s.delay, ask breaker of s.endpoint
//           admitted  -> seq.on_admitted(); call it; success: done (record it)
//                                          failure: s = seq.on_failure(f, now, draw)
//           refused   -> s = seq.on_refused(now)
//         s.what == give_up      -> 503 unavailable (s.reason for logs)
//
// Structured-output validation happens before on_failure: output that fails
// the schema is reported as a failure of kind invalid_output.

#include <chrono>
#include <cstddef>
#include <string_view>
#include <vector>

#include "actors/llm/completion.hpp"
#include "actors/llm/endpoint.hpp"
#include "actors/llm/fallback_plan.hpp"
#include "actors/llm/retry_policy.hpp"

namespace delta::llm {

enum class give_up_reason {
  all_unavailable,  // every breaker refused: no provider was called
  exhausted,        // every admitted endpoint failed
  deadline,         // the call's deadline passed
};

std::string_view to_string(give_up_reason r);

struct call_step {
  enum class kind { ask_breaker, give_up } what = kind::give_up;
  std::size_t endpoint = 0;            // ask_breaker: index into chain()
  std::chrono::milliseconds delay{0};  // ask_breaker: wait this long first (a retry's backoff)
  give_up_reason reason = give_up_reason::exhausted;  // give_up
};

// One failed attempt, for the llm_calls record and the logs.
struct attempt_failure {
  std::size_t endpoint = 0;
  failure_kind kind = failure_kind::invalid_body;
  int status = 0;
};

class call_sequence {
 public:
  using clock = std::chrono::steady_clock;

  // `chain` from build_chain(); `deadline` bounds the whole call, retries
  // and fallbacks included (each attempt still has its route's own timeout).
  call_sequence(std::vector<endpoint> chain, retry_policy policy, clock::time_point deadline);

  call_step start(clock::time_point now);
  // The breaker of the last step's endpoint admitted the call: make it.
  void on_admitted();
  // It refused: skip to the next endpoint (also when a retry finds the
  // breaker has opened meanwhile).
  call_step on_refused(clock::time_point now);
  // The admitted call failed. `draw` is uniform in [0, 1) for the jitter.
  call_step on_failure(const call_failure& f, clock::time_point now, double draw);

  const std::vector<endpoint>& chain() const { return walk_.chain(); }
  const std::vector<attempt_failure>& failures() const { return failures_; }
  const std::vector<std::size_t>& skipped() const { return walk_.skipped(); }
  int attempts_on_current() const { return attempts_; }

 private:
  call_step ask_next(clock::time_point now);
  static call_step give_up(give_up_reason r) { return {call_step::kind::give_up, 0, {}, r}; }

  fallback_walk walk_;
  retry_policy policy_;
  clock::time_point deadline_;
  std::size_t current_ = 0;
  int attempts_ = 0;        // attempts on current_
  bool retrying_ = false;   // current_ was already admitted once by the walk
  std::vector<attempt_failure> failures_;
};

}  // namespace delta::llm
