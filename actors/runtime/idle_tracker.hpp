#pragma once
// Pure bookkeeping for entity passivation: when each key was last used and
// which keys have been idle for longer than a limit.

#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

namespace delta::runtime {

class idle_tracker {
 public:
  using clock = std::chrono::steady_clock;

  void touch(const std::string& key, clock::time_point now) { last_used_[key] = now; }
  void erase(const std::string& key) { last_used_.erase(key); }
  bool contains(const std::string& key) const { return last_used_.count(key) > 0; }
  std::size_t size() const { return last_used_.size(); }

  // Keys unused since `now - idle_limit` or earlier.
  std::vector<std::string> idle_since(clock::time_point now, clock::duration idle_limit) const {
    std::vector<std::string> out;
    for (auto& [key, at] : last_used_)
      if (now - at >= idle_limit) out.push_back(key);
    return out;
  }

 private:
  std::unordered_map<std::string, clock::time_point> last_used_;
};

}  // namespace delta::runtime
