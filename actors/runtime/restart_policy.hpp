#pragma once
// Pure supervision decisions (no actors here): whether a child that stopped
// is restarted, and whether restarts come too fast (restart intensity).

#include <chrono>
#include <deque>

namespace delta::runtime {

enum class restart_policy {
  permanent,  // always restarted
  transient,  // restarted only when it failed (not after a normal exit)
  temporary,  // never restarted
};

bool should_restart(restart_policy policy, bool normal_exit);

// At most `max_restarts` within any window of `within`; one more means the
// supervisor gives up and escalates to its parent.
class restart_intensity {
 public:
  using clock = std::chrono::steady_clock;

  restart_intensity(int max_restarts, clock::duration within);

  // Records a restart at `now`; false when it exceeds the intensity.
  bool record(clock::time_point now);

 private:
  int max_restarts_;
  clock::duration within_;
  std::deque<clock::time_point> recent_;
};

}  // namespace delta::runtime
