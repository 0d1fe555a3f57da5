#pragma once
// Pure: the edge's cache of resolved API keys (key hash -> principal), so the
// hot path needs no message to the auth actor and no database round trip.
// Entries live at most `ttl` (2 s: another node's revocation or an admin's
// tier change reaches this one within that), never past the key's expiry,
// and are dropped at once when the auth actor of this node says a key or a
// user changed. Unknown keys are remembered as negatives for the same ttl.

#include "protocol/auth.hpp"

#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <unordered_map>

namespace delta::http {

class credential_cache {
 public:
  using clock = std::chrono::steady_clock;

  credential_cache(clock::duration ttl, std::size_t max_entries) : ttl_(ttl), max_(max_entries) {}

  struct lookup {
    bool hit = false;
    const protocol::principal* who = nullptr;  // null on a negative hit
  };

  lookup find(const std::string& key_hash, clock::time_point now, std::time_t wall_now) const {
    auto it = entries_.find(key_hash);
    if (it == entries_.end() || now - it->second.stored_at >= ttl_) return {};
    auto& e = it->second;
    if (e.who && e.who->expires_at != 0 && e.who->expires_at <= wall_now) return {true, nullptr};
    return {true, e.who ? &*e.who : nullptr};
  }

  void put(const std::string& key_hash, std::optional<protocol::principal> who, clock::time_point now) {
    if (entries_.size() >= max_ && !entries_.count(key_hash)) {
      prune(now);
      if (entries_.size() >= max_) return;  // still full of fresh entries: do not cache
    }
    entries_[key_hash] = {std::move(who), now};
  }

  void forget_key(const std::string& key_hash) { entries_.erase(key_hash); }

  void forget_user(const std::string& user_id) {
    for (auto it = entries_.begin(); it != entries_.end();)
      it = it->second.who && it->second.who->user_id == user_id ? entries_.erase(it) : std::next(it);
  }

  std::size_t size() const { return entries_.size(); }

 private:
  struct entry {
    std::optional<protocol::principal> who;
    clock::time_point stored_at;
  };

  void prune(clock::time_point now) {
    for (auto it = entries_.begin(); it != entries_.end();)
      it = now - it->second.stored_at >= ttl_ ? entries_.erase(it) : std::next(it);
  }

  clock::duration ttl_;
  std::size_t max_;
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace delta::http
