#pragma once
// Pure cache of securities by ticker with a freshness limit and a size bound.
// Entries past their TTL are not served as fresh, but are kept so the market
// actor can serve them when PostgreSQL is unavailable (stale-if-error).

#include "protocol/market.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>

namespace delta::market {

class security_cache {
 public:
  using clock = std::chrono::steady_clock;

  security_cache(clock::duration ttl, std::size_t max_entries)
      : ttl_(ttl), max_entries_(max_entries) {}

  const protocol::security* fresh(const std::string& ticker, clock::time_point now) const {
    auto it = entries_.find(ticker);
    if (it == entries_.end() || now - it->second.stored_at > ttl_) return nullptr;
    return &it->second.value;
  }

  const protocol::security* any(const std::string& ticker) const {
    auto it = entries_.find(ticker);
    return it == entries_.end() ? nullptr : &it->second.value;
  }

  void put(const protocol::security& s, clock::time_point now) {
    if (max_entries_ == 0) return;
    if (entries_.size() >= max_entries_ && !entries_.count(s.ticker)) evict_oldest();
    entries_[s.ticker] = {s, now};
  }

  void erase(const std::string& ticker) { entries_.erase(ticker); }
  std::size_t size() const { return entries_.size(); }

 private:
  struct entry {
    protocol::security value;
    clock::time_point stored_at;
  };

  void evict_oldest() {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->second.stored_at < oldest->second.stored_at) oldest = it;
    if (oldest != entries_.end()) entries_.erase(oldest);
  }

  clock::duration ttl_;
  std::size_t max_entries_;
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace delta::market
