#pragma once
// Pure bookkeeping for entity passivation: keys in least-recently-used order,
// so finding the idle ones costs O(idle), not O(all) — a region may hold a
// million buckets.

#include <chrono>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

namespace delta::runtime {

class idle_tracker {
 public:
  using clock = std::chrono::steady_clock;

  void touch(const std::string& key, clock::time_point now) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      it->second->second = now;
      order_.splice(order_.end(), order_, it->second);
      return;
    }
    order_.emplace_back(key, now);
    index_.emplace(key, std::prev(order_.end()));
  }

  void erase(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return;
    order_.erase(it->second);
    index_.erase(it);
  }

  bool contains(const std::string& key) const { return index_.count(key) > 0; }
  std::size_t size() const { return index_.size(); }

  // Keys unused since `now - idle_limit` or earlier, oldest first.
  std::vector<std::string> idle_since(clock::time_point now, clock::duration idle_limit) const {
    std::vector<std::string> out;
    for (auto& [key, at] : order_) {
      if (now - at < idle_limit) break;
      out.push_back(key);
    }
    return out;
  }

 private:
  std::list<std::pair<std::string, clock::time_point>> order_;  // oldest use first
  std::unordered_map<std::string, std::list<std::pair<std::string, clock::time_point>>::iterator> index_;
};

}  // namespace delta::runtime
