#pragma once
// An exact sliding-window quota: at most `limit` requests in any window of
// `window` length. The log keeps one entry per 1 ms tick that saw requests
// (tick, count), so memory is O(min(limit, window / 1 ms)) per bucket:
// 10,000/h costs at most ~160 KB while full, nothing once the hour has
// passed. Rounding times up to the next tick makes an entry expire up to
// 1 ms late: the quota may reject a request 1 ms early, never admit more.
// (A two-counter sliding window would cost 16 bytes but only approximates the
// count, which can admit more than the limit; we chose exactness.)

#include "actors/ratelimit/gcra.hpp"

#include <deque>

namespace delta::ratelimit {

class sliding_log {
 public:
  sliding_log(std::int64_t limit, clock::duration window) : limit_(limit), window_(window) {}

  limit_state check(clock::time_point now, int cost = 1);
  void commit(clock::time_point now, int cost = 1);

  void set_limit(std::int64_t limit) { limit_ = limit; }
  std::int64_t limit() const { return limit_; }
  std::int64_t used() const { return used_; }
  std::size_t entries() const { return log_.size(); }
  bool at_rest(clock::time_point now) {
    expire(now);
    return log_.empty();
  }

 private:
  using tick = std::int64_t;  // milliseconds since the clock's epoch, rounded up
  static tick to_tick(clock::time_point t);
  void expire(clock::time_point now);

  std::int64_t limit_;
  clock::duration window_;
  std::deque<std::pair<tick, std::int64_t>> log_;
  std::int64_t used_ = 0;
};

}  // namespace delta::ratelimit
