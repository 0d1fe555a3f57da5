#include "actors/llm/retry_policy.hpp"

#include "core/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace delta::llm {

bool is_retryable(failure_kind kind, int status) {
  switch (kind) {
    case failure_kind::connect_error:
    case failure_kind::timeout:
      return true;
    case failure_kind::http_status:
      return status == 429 || (status >= 500 && status <= 599);
    case failure_kind::invalid_body:
    case failure_kind::provider_error:
    case failure_kind::invalid_output:
      return false;
  }
  return false;
}

bool counts_against_breaker(const call_failure& f) {
  if (f.kind == failure_kind::invalid_output) return false;
  if (f.kind == failure_kind::http_status && (f.status == 400 || f.status == 413 || f.status == 422))
    return false;
  return true;
}

std::string_view to_string(retry_verdict v) {
  switch (v) {
    case retry_verdict::retry: return "retry";
    case retry_verdict::not_retryable: return "not_retryable";
    case retry_verdict::attempts_exhausted: return "attempts_exhausted";
    case retry_verdict::retry_after_too_long: return "retry_after_too_long";
    case retry_verdict::deadline_too_close: return "deadline_too_close";
  }
  return "unknown";
}

namespace {

int failures_before(int retry_index) {
  return retry_index >= std::numeric_limits<int>::max() - 1 ? retry_index : std::max(retry_index, 0) + 1;
}

}  // namespace

retry_policy::retry_policy(retry_config cfg) : cfg_{cfg} {
  cfg_.max_attempts = std::max(cfg_.max_attempts, 1);
  cfg_.base = std::max(cfg_.base, std::chrono::milliseconds{0});
  cfg_.cap = std::max(cfg_.cap, std::chrono::milliseconds{0});
}

// Retry n (0-based) follows the (n+1)-th failure: core's full-jitter
// backoff counts failures from 1. No floor: a retry may go at once.
std::chrono::milliseconds retry_policy::ceiling(int retry_index) const {
  return core::retry_backoff{{cfg_.base, cfg_.cap, std::chrono::milliseconds{0}}}.ceiling(failures_before(retry_index));
}

std::chrono::milliseconds retry_policy::backoff(int retry_index, double draw) const {
  return core::retry_backoff{{cfg_.base, cfg_.cap, std::chrono::milliseconds{0}}}.delay(failures_before(retry_index), draw);
}

retry_decision retry_policy::after_failure(const call_failure& f, int attempts_made,
                                           std::chrono::milliseconds remaining, double draw) const {
  if (!is_retryable(f)) return {retry_verdict::not_retryable};
  if (attempts_made >= cfg_.max_attempts) return {retry_verdict::attempts_exhausted};
  auto delay = backoff(attempts_made - 1, draw);
  if (f.retry_after) {
    auto floor = std::chrono::duration_cast<std::chrono::milliseconds>(*f.retry_after);
    if (floor > cfg_.cap || floor >= remaining) return {retry_verdict::retry_after_too_long};
    delay = std::max(delay, floor);
  }
  // Waiting the whole remaining time leaves nothing for the call itself.
  if (delay >= remaining) return {retry_verdict::deadline_too_close};
  return {retry_verdict::retry, delay};
}

}  // namespace delta::llm
