#include "actors/llm/breaker.hpp"

#include <algorithm>

namespace delta::llm {

std::string_view to_string(breaker_state s) {
  switch (s) {
    case breaker_state::closed: return "closed";
    case breaker_state::open: return "open";
    case breaker_state::half_open: return "half_open";
  }
  return "unknown";
}

breaker::breaker(breaker_config cfg) : cfg_{cfg} {
  cfg_.failure_threshold = std::max(cfg_.failure_threshold, 1);
}

breaker_permit breaker::allow(clock::time_point now) {
  switch (state_) {
    case breaker_state::closed:
      return {true, false, epoch_};
    case breaker_state::open:
      if (now < retry_at_) return {};
      state_ = breaker_state::half_open;
      ++epoch_;
      probe_out_ = true;
      probe_started_ = now;
      return {true, true, epoch_};
    case breaker_state::half_open:
      if (probe_out_ && now - probe_started_ < cfg_.probe_timeout) return {};
      // The previous probe is given up: a new epoch makes its late outcome stale.
      ++epoch_;
      probe_out_ = true;
      probe_started_ = now;
      return {true, true, epoch_};
  }
  return {};
}

void breaker::record_success(const breaker_permit& p, clock::time_point) {
  if (!p.admitted || p.epoch != epoch_) return;
  // Closed: a success breaks the run of consecutive failures.
  // Half-open: the probe passed, so the endpoint is healthy again.
  if (state_ == breaker_state::half_open) {
    state_ = breaker_state::closed;
    ++epoch_;
    probe_out_ = false;
  }
  failures_ = 0;
}

void breaker::record_failure(const breaker_permit& p, clock::time_point now) {
  if (!p.admitted || p.epoch != epoch_) return;
  ++failures_;
  if (state_ == breaker_state::half_open || failures_ >= cfg_.failure_threshold) open(now);
}

void breaker::open(clock::time_point now) {
  state_ = breaker_state::open;
  ++epoch_;
  opened_at_ = now;
  retry_at_ = now + cfg_.cooldown;
  probe_out_ = false;
  ever_opened_ = true;
}

bool breaker::would_allow(clock::time_point now) const {
  switch (state_) {
    case breaker_state::closed: return true;
    case breaker_state::open: return now >= retry_at_;
    case breaker_state::half_open: return !probe_out_ || now - probe_started_ >= cfg_.probe_timeout;
  }
  return false;
}

breaker_snapshot breaker::snapshot(clock::time_point now) const {
  breaker_snapshot s;
  s.failures = failures_;
  s.state = state_;
  if (state_ == breaker_state::open && now >= retry_at_) s.state = breaker_state::half_open;
  if (ever_opened_) s.opened_at = opened_at_;
  if (state_ == breaker_state::open) s.retry_at = retry_at_;
  if (state_ == breaker_state::half_open)
    s.retry_at = probe_out_ ? probe_started_ + cfg_.probe_timeout : now;
  return s;
}

void breaker::reset() {
  state_ = breaker_state::closed;
  failures_ = 0;
  ++epoch_;
  probe_out_ = false;
  ever_opened_ = false;
}

std::chrono::system_clock::time_point to_system_time(std::chrono::steady_clock::time_point t,
                                                     std::chrono::steady_clock::time_point steady_now,
                                                     std::chrono::system_clock::time_point system_now) {
  return system_now + std::chrono::duration_cast<std::chrono::system_clock::duration>(t - steady_now);
}

}  // namespace delta::llm
