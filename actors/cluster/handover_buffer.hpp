#pragma once
// Messages for entities whose handover is under way. While a key moves from
// its old owner to its new one (a join, a drain), its messages are held here
// in arrival order and released, in that order, when the handover completes.
// Nothing is dropped silently: a message that cannot be held (the key is not
// in handover, or a bound is reached) is refused and stays with the caller,
// who delivers it normally or answers an error; a handover that misses its
// deadline gives its messages back for an error reply or a retry.
//
// Header-only so that each region can hold its own message type.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace delta::cluster {

enum class hold_result {
  held,
  not_in_handover,  // deliver it as usual
  key_full,         // this key holds handover_limits::per_key messages already
  buffer_full,      // all keys together hold handover_limits::total
};

struct handover_limits {
  std::size_t per_key = 1'000;   // messages held for one key
  std::size_t total = 100'000;   // messages held for all keys together
};

template <class Message, class Clock = std::chrono::steady_clock>
class handover_buffer {
 public:
  using time_point = typename Clock::time_point;
  using expired = std::vector<std::pair<std::string, std::vector<Message>>>;

  explicit handover_buffer(handover_limits bounds = {}) : bounds_{bounds} {}

  // Starts holding messages for `key` until complete() or `deadline`. False
  // (and nothing changes) when the key is already in handover.
  bool begin(const std::string& key, time_point deadline) {
    auto [it, inserted] = entries_.try_emplace(key);
    if (!inserted) return false;
    it->second.deadline = deadlines_.emplace(deadline, key);
    return true;
  }

  bool holding(std::string_view key) const { return entries_.find(key) != entries_.end(); }

  // Holds `msg` behind the key's earlier messages. `msg` is moved from only
  // when the result is held: otherwise it is still the caller's to answer.
  hold_result hold(std::string_view key, Message&& msg) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return hold_result::not_in_handover;
    if (it->second.messages.size() >= bounds_.per_key) return hold_result::key_full;
    if (depth_ >= bounds_.total) return hold_result::buffer_full;
    it->second.messages.push_back(std::move(msg));
    ++depth_;
    return hold_result::held;
  }

  // Ends the key's handover: its messages, oldest first, for the new owner.
  // Empty when the key was not in handover (or held nothing).
  std::vector<Message> complete(std::string_view key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return {};
    return release(it);
  }

  // Ends every handover whose deadline is at or before `now`, earliest first,
  // and gives back each key with its messages.
  expired expire(time_point now) {
    expired out;
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      auto it = entries_.find(deadlines_.begin()->second);
      std::string key = it->first;
      out.emplace_back(std::move(key), release(it));
    }
    return out;
  }

  std::size_t depth() const { return depth_; }              // messages held, all keys
  std::size_t handovers() const { return entries_.size(); }  // keys in handover
  std::optional<time_point> next_deadline() const {
    if (deadlines_.empty()) return std::nullopt;
    return deadlines_.begin()->first;
  }

 private:
  using deadline_index = std::multimap<time_point, std::string>;
  struct entry {
    std::deque<Message> messages;
    typename deadline_index::iterator deadline;
  };
  using entry_map = std::map<std::string, entry, std::less<>>;

  std::vector<Message> release(typename entry_map::iterator it) {
    std::vector<Message> out(std::make_move_iterator(it->second.messages.begin()),
                             std::make_move_iterator(it->second.messages.end()));
    depth_ -= out.size();
    deadlines_.erase(it->second.deadline);
    entries_.erase(it);
    return out;
  }

  handover_limits bounds_;
  entry_map entries_;
  deadline_index deadlines_;
  std::size_t depth_ = 0;
};

}  // namespace delta::cluster
