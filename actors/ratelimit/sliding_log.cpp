#include "actors/ratelimit/sliding_log.hpp"

namespace delta::ratelimit {

sliding_log::tick sliding_log::to_tick(clock::time_point t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return (ns + 999'999) / 1'000'000;  // rounded up: entries expire late, never early
}

void sliding_log::expire(clock::time_point now) {
  auto window_ms = std::chrono::duration_cast<std::chrono::milliseconds>(window_).count();
  // An entry at tick t counts while now < t + window.
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  while (!log_.empty() && log_.front().first + window_ms <= now_ms) {
    used_ -= log_.front().second;
    log_.pop_front();
  }
}

limit_state sliding_log::check(clock::time_point now, int cost) {
  expire(now);
  limit_state s;
  s.limit = limit_;
  s.allowed = used_ + cost <= limit_;
  s.remaining = std::max<std::int64_t>(0, limit_ - used_ - (s.allowed ? cost : 0));
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  auto window_ms = std::chrono::duration_cast<std::chrono::milliseconds>(window_).count();
  if (!log_.empty()) {
    // The window is fully available again when the newest entry expires.
    auto newest = s.allowed ? std::max(log_.back().first, to_tick(now)) : log_.back().first;
    s.reset_after = std::chrono::milliseconds(newest + window_ms - now_ms);
  } else {
    s.reset_after = s.allowed ? window_ : clock::duration{0};
  }
  if (!s.allowed) {
    // Walk from the oldest entry until enough capacity would be freed.
    std::int64_t freed = 0, need = used_ + cost - limit_;
    for (auto& [t, n] : log_) {
      freed += n;
      if (freed >= need) {
        s.retry_after = std::chrono::milliseconds(t + window_ms - now_ms);
        break;
      }
    }
    if (freed < need) s.retry_after = window_;  // cost larger than the limit itself
  }
  return s;
}

void sliding_log::commit(clock::time_point now, int cost) {
  auto t = to_tick(now);
  if (!log_.empty() && log_.back().first >= t) {
    log_.back().second += cost;  // same (or, after rounding, later) tick
  } else {
    log_.emplace_back(t, cost);
  }
  used_ += cost;
}

}  // namespace delta::ratelimit
