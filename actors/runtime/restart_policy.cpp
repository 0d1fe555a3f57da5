#include "actors/runtime/restart_policy.hpp"

namespace delta::runtime {

bool should_restart(restart_policy policy, bool normal_exit) {
  switch (policy) {
    case restart_policy::permanent: return true;
    case restart_policy::transient: return !normal_exit;
    case restart_policy::temporary: return false;
  }
  return false;
}

restart_intensity::restart_intensity(int max_restarts, clock::duration within)
    : max_restarts_(max_restarts), within_(within) {}

bool restart_intensity::record(clock::time_point now) {
  while (!recent_.empty() && now - recent_.front() >= within_) recent_.pop_front();
  recent_.push_back(now);
  return static_cast<int>(recent_.size()) <= max_restarts_;
}

}  // namespace delta::runtime
