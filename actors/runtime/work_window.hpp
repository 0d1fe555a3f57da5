#pragma once
// Pure: the window of leased work one node holds from a queue in PostgreSQL
// (jobs, signal events). Both the jobs dispatcher and the signal pipeline's
// driver claim ahead of what runs (so a claim's round trip hides behind
// running work), claim again when room frees while a backlog is known, hand
// fresh work back when they hold enough, renew the leases they hold, and on a
// drain start nothing more, let what runs finish until a deadline, then give
// every lease back. The actors only carry out what this class decides.
//
//   starting --started()--> running --begin_drain()--> draining --release()--> released
//
// Items are kept in arrival order; `IdOf` maps an item to its id (a job or
// event id), the unit of leases. Time is a parameter: tests use a fake clock.

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace delta::runtime {

struct work_window_config {
  int concurrency = 64;  // items running at once
  int hold_limit = 128;  // running + waiting: the most this node leases at once
  // Room needed before claiming again without a wake-up, while a backlog is
  // known (1: at once; hold_limit / 2: in halves, fewer and larger claims).
  int refill_at = 1;
  std::chrono::milliseconds renew_every{10000};  // bulk lease renewal period
};

enum class window_phase { starting, running, draining, released };

// Why a claim is considered: a notification or new work (wake), the poll
// timer (tick: also rescans for expired leases), or room freed by finished work.
enum class claim_trigger { wake, tick, room };

struct claim_plan {
  int size = 0;            // items to ask for
  bool full_scan = false;  // also settle expired leases (once per tick)
};

template <class Item, class IdOf>
class work_window {
 public:
  using clock = std::chrono::steady_clock;

  explicit work_window(work_window_config config) : cfg_(config) {}

  window_phase phase() const { return phase_; }
  // The start-up release of a previous incarnation's leases is done.
  void started() {
    if (phase_ == window_phase::starting) phase_ = window_phase::running;
  }

  // ---- claims ----
  // Whether to claim now, and how much. At most one claim is in flight.
  std::optional<claim_plan> plan_claim(claim_trigger why) {
    note(why);
    if (claim_in_flight_) return std::nullopt;
    if (phase_ != window_phase::running || !backlog_) return std::nullopt;
    int free = room();
    if (free <= 0 || (why == claim_trigger::room && free < cfg_.refill_at)) return std::nullopt;
    claim_in_flight_ = true;
    claim_plan plan{free, scan_due_};
    scan_due_ = false;
    asked_ = free;
    return plan;
  }

  // Records a wake-up or tick without claiming now (the caller holds back,
  // e.g. while its completion writes lag): the next plan_claim honours it.
  void note(claim_trigger why) {
    if (why == claim_trigger::room) return;
    backlog_ = true;
    if (why == claim_trigger::tick) scan_due_ = true;
    if (claim_in_flight_) woken_during_claim_ = true;
  }

  // The claim's items; returns the ids not taken (draining, or beyond the
  // hold limit), whose leases the caller gives back.
  std::vector<std::string> claimed(std::vector<Item> items) {
    claim_in_flight_ = false;
    backlog_ = static_cast<int>(items.size()) >= asked_ || woken_during_claim_;
    woken_during_claim_ = false;
    return accept(std::move(items));
  }
  // A failed claim: nothing known about the backlog until the next wake or tick.
  void claim_failed() {
    claim_in_flight_ = false;
    backlog_ = woken_during_claim_;
    woken_during_claim_ = false;
  }
  bool claim_in_flight() const { return claim_in_flight_; }

  // Fresh work handed over (not claimed): taken while there is room;
  // returns the ids not taken. `more_left`: the producer left other items
  // for a claim, so the window claims again as room frees.
  std::vector<std::string> offer(std::vector<Item> items, bool more_left = false) {
    if (more_left) backlog_ = true;
    auto overflow = accept(std::move(items));
    if (!overflow.empty()) backlog_ = true;
    return overflow;
  }

  // ---- running ----
  // The next item to start, if a slot is free (never while draining).
  std::optional<Item> next() {
    if (phase_ != window_phase::running || running_ >= cfg_.concurrency || waiting_.empty()) return std::nullopt;
    Item item = std::move(waiting_.front());
    waiting_.pop_front();
    ++running_;
    return item;
  }
  // A started item is done with its lease (finished, failed, cancelled).
  void finished(const std::string& id) {
    if (held_.erase(id) && running_ > 0) --running_;
  }
  // A started item stopped while draining: its lease goes back with release().
  void stopped() {
    if (running_ > 0) --running_;
  }
  // The drain's deadline passed: whatever still runs is stopped by the
  // caller; the leases go back with release().
  void stop_all_running() { running_ = 0; }
  // A waiting item removed before it started (e.g. cancelled); true if it was waiting.
  template <class Pred>
  std::optional<Item> remove_waiting(Pred matches) {
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
      if (!matches(*it)) continue;
      Item item = std::move(*it);
      waiting_.erase(it);
      held_.erase(IdOf{}(item));
      return item;
    }
    return std::nullopt;
  }

  int running() const { return running_; }
  std::size_t waiting() const { return waiting_.size(); }
  std::size_t held() const { return held_.size(); }
  bool holds(const std::string& id) const { return held_.count(id) > 0; }
  // How many more items the window would take now (0 while draining).
  int room() const {
    if (phase_ == window_phase::draining || phase_ == window_phase::released) return 0;
    return cfg_.hold_limit - static_cast<int>(held_.size());
  }

  // ---- leases ----
  // The ids whose leases to renew now, once per renew_every.
  std::vector<std::string> renewals_due(clock::time_point now) {
    if (phase_ == window_phase::released || held_.empty() || now - renewed_at_ < cfg_.renew_every) return {};
    renewed_at_ = now;
    return {held_.begin(), held_.end()};
  }

  // ---- drain ----
  // Starts nothing more; waiting items stay held so their leases go back.
  void begin_drain(clock::time_point now, std::chrono::milliseconds timeout) {
    if (phase_ == window_phase::draining || phase_ == window_phase::released) return;
    phase_ = window_phase::draining;
    drain_deadline_ = now + timeout;
    waiting_.clear();
  }
  bool draining() const { return phase_ == window_phase::draining; }
  bool drain_deadline_passed(clock::time_point now) const {
    return phase_ == window_phase::draining && now >= drain_deadline_;
  }
  // Draining, nothing running and no claim in flight: release() may go.
  bool drained() const { return phase_ == window_phase::draining && running_ == 0 && !claim_in_flight_; }
  // Once: every held id, whose leases the caller releases; the window is empty after.
  std::optional<std::vector<std::string>> release() {
    if (phase_ != window_phase::draining) return std::nullopt;
    phase_ = window_phase::released;
    std::vector<std::string> ids{held_.begin(), held_.end()};
    held_.clear();
    waiting_.clear();
    running_ = 0;
    return ids;
  }

 private:
  std::vector<std::string> accept(std::vector<Item> items) {
    std::vector<std::string> overflow;
    for (auto& item : items) {
      auto id = IdOf{}(item);
      if (held_.count(id)) continue;  // already ours
      if (room() <= 0) {
        overflow.push_back(std::move(id));
        continue;
      }
      held_.insert(std::move(id));
      waiting_.push_back(std::move(item));
    }
    return overflow;
  }

  work_window_config cfg_;
  window_phase phase_ = window_phase::starting;
  std::unordered_set<std::string> held_;  // running + waiting
  std::deque<Item> waiting_;
  int running_ = 0;
  bool claim_in_flight_ = false;
  bool woken_during_claim_ = false;
  bool backlog_ = true;     // more due work may exist: claim when there is room
  bool scan_due_ = true;    // the next claim also settles expired leases
  int asked_ = 0;
  clock::time_point renewed_at_{};
  clock::time_point drain_deadline_{};
};

}  // namespace delta::runtime
