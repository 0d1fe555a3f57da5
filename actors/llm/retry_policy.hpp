#pragma once
// Whether and when to try the same endpoint again after a failed call.
// Pure: the jitter draw and the remaining deadline are passed in.
//
// Retryable (transient, the same request may succeed): connect errors,
// timeouts, HTTP 429 and 5xx. Not retryable: other 4xx (our request or our
// key is wrong; repeating it cannot help), 2xx bodies we cannot read or that
// carry an error, and invalid structured output. A non-retryable failure is
// not the end of the call: the gateway moves on to the next endpoint of the
// fallback chain.
//
// Backoff is exponential with full jitter (AWS architecture blog, "Exponential
// Backoff And Jitter"): before retry n (0-based),
//     delay = draw * min(cap, base * 2^n),   draw uniform in [0, 1)
// which spreads retries from many callers instead of synchronising them.
// A 429's Retry-After is a floor: never retry sooner. When Retry-After is
// beyond the cap or the remaining deadline, waiting here would be worse than
// asking the next endpoint, so the answer is "move on".

#include <chrono>
#include <string_view>

#include "actors/llm/completion.hpp"

namespace delta::llm {

bool is_retryable(failure_kind kind, int status);
inline bool is_retryable(const call_failure& f) { return is_retryable(f.kind, f.status); }

// Whether the failure says something about the endpoint's health (and so
// counts toward its breaker). Invalid structured output is the model's
// answer to this prompt, and a 400/413/422 is our request's fault: neither
// means the endpoint is down, so they do not open its breaker. For those,
// record a success on the breaker: the endpoint did answer (and a half-open
// probe that gets an answer has shown the endpoint is back).
bool counts_against_breaker(const call_failure& f);

struct retry_config {
  int max_attempts = 3;  // attempts on one endpoint, the first included (1 = never retry)
  std::chrono::milliseconds base{250};
  std::chrono::milliseconds cap{8000};  // no single backoff wait is longer
};

enum class retry_verdict {
  retry,             // wait `delay`, then call the same endpoint again
  not_retryable,     // move to the next endpoint
  attempts_exhausted,
  retry_after_too_long,  // the provider's Retry-After exceeds the cap or the deadline
  deadline_too_close,    // the backoff would not leave time for the call
};

std::string_view to_string(retry_verdict v);

struct retry_decision {
  retry_verdict verdict = retry_verdict::not_retryable;
  std::chrono::milliseconds delay{0};  // meaningful only for retry
  bool retry() const { return verdict == retry_verdict::retry; }
};

class retry_policy {
 public:
  explicit retry_policy(retry_config cfg = {});

  // After the `attempts_made`-th attempt on an endpoint failed with `f`
  // (attempts_made >= 1). `remaining` is the time left before the whole
  // gateway call's deadline; `draw` is uniform in [0, 1) (clamped if not).
  retry_decision after_failure(const call_failure& f, int attempts_made,
                               std::chrono::milliseconds remaining, double draw) const;

  // The jittered wait before retry `retry_index` (0 for the first retry).
  std::chrono::milliseconds backoff(int retry_index, double draw) const;

  // The un-jittered ceiling of that wait: min(cap, base * 2^retry_index).
  std::chrono::milliseconds ceiling(int retry_index) const;

  const retry_config& config() const { return cfg_; }

 private:
  retry_config cfg_;
};

}  // namespace delta::llm
