#pragma once
// How long to wait before trying again after failures: jobs, signal stages,
// LLM provider retries and the database pool's reconnects all use it. Pure:
// the random draw is a parameter.
//
// Exponential backoff with full jitter (AWS architecture blog, "Exponential
// Backoff And Jitter"): after the n-th failed attempt (n >= 1)
//     ceiling = min(cap, base * 2^(n-1)),  delay = max(floor, draw * ceiling)
// with draw uniform in [0, 1). Jitter spreads the retries of many callers
// that failed together (a provider outage) instead of stampeding it again;
// the floor keeps a caller from spinning when the draw is close to 0.

#include <chrono>

namespace delta::core {

struct backoff_config {
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds cap{std::chrono::minutes(10)};
  std::chrono::milliseconds floor{100};
};

class retry_backoff {
 public:
  explicit retry_backoff(backoff_config cfg = {});

  // The un-jittered bound after `failed_attempts` failures (>= 1; 0 counts as 1).
  std::chrono::milliseconds ceiling(int failed_attempts) const;

  // The wait before the next attempt; `draw` outside [0, 1) is clamped into it.
  std::chrono::milliseconds delay(int failed_attempts, double draw) const;

  const backoff_config& config() const { return cfg_; }

 private:
  backoff_config cfg_;
};

}  // namespace delta::core
