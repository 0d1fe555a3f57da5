#pragma once
// Generic cell rate algorithm: rate + burst with one timestamp per bucket,
// exact and O(1). A request is admitted when the theoretical arrival time
// (tat) is at most `burst - 1` emission intervals ahead of now.

#include <chrono>
#include <cstdint>

namespace delta::ratelimit {

using clock = std::chrono::steady_clock;

struct limit_state {
  bool allowed = true;
  std::int64_t limit = 0;
  std::int64_t remaining = 0;
  clock::duration reset_after{0};  // until fully available again
  clock::duration retry_after{0};  // when rejected: until this request would pass
};

class gcra {
 public:
  // `count` requests per `period`, up to `burst` at once.
  gcra(std::int64_t count, clock::duration period, std::int64_t burst);

  // Evaluates without consuming.
  limit_state check(clock::time_point now, int cost = 1) const;
  // Consumes `cost` (call only after check() allowed it).
  void commit(clock::time_point now, int cost = 1);

  // Keeps the state when the parameters change (a tier's new limit).
  void reconfigure(std::int64_t count, clock::duration period, std::int64_t burst);
  bool same_parameters(std::int64_t count, clock::duration period, std::int64_t burst) const;

  // True when a fresh bucket would behave the same (safe to passivate).
  bool at_rest(clock::time_point now) const { return tat_ <= now; }

 private:
  std::int64_t count_;
  clock::duration period_;
  std::int64_t burst_;
  clock::duration interval_;  // period / count
  clock::time_point tat_{};
};

}  // namespace delta::ratelimit
