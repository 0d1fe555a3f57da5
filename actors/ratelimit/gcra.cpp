#include "actors/ratelimit/gcra.hpp"

#include <algorithm>

namespace delta::ratelimit {

gcra::gcra(std::int64_t count, clock::duration period, std::int64_t burst) {
  reconfigure(count, period, burst);
}

void gcra::reconfigure(std::int64_t count, clock::duration period, std::int64_t burst) {
  count_ = std::max<std::int64_t>(count, 1);
  period_ = period;
  burst_ = std::max<std::int64_t>(burst, 1);
  interval_ = period_ / count_;
}

bool gcra::same_parameters(std::int64_t count, clock::duration period, std::int64_t burst) const {
  return count_ == std::max<std::int64_t>(count, 1) && period_ == period &&
         burst_ == std::max<std::int64_t>(burst, 1);
}

limit_state gcra::check(clock::time_point now, int cost) const {
  limit_state s;
  s.limit = burst_;
  auto tat = std::max(tat_, now);
  auto new_tat = tat + interval_ * cost;
  auto tolerance = interval_ * burst_;  // new_tat may run at most this far ahead
  auto ahead = new_tat - now;
  if (ahead > tolerance) {
    s.allowed = false;
    s.retry_after = ahead - tolerance;
    s.reset_after = tat - now;
    s.remaining = std::max<std::int64_t>(0, (tolerance - (tat - now)) / interval_);
    return s;
  }
  s.allowed = true;
  s.remaining = (tolerance - ahead) / interval_;
  s.reset_after = new_tat - now;
  return s;
}

void gcra::commit(clock::time_point now, int cost) {
  tat_ = std::max(tat_, now) + interval_ * cost;
}

}  // namespace delta::ratelimit
