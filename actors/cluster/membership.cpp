#include "actors/cluster/membership.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace delta::cluster {

namespace {

constexpr std::array<std::pair<node_status, std::string_view>, 5> status_names{{
    {node_status::joining, "joining"},
    {node_status::up, "up"},
    {node_status::draining, "draining"},
    {node_status::down, "down"},
    {node_status::left, "left"},
}};

// A row in one of these states claims to be alive: its heartbeat is watched.
bool claims_alive(node_status s) {
  return s == node_status::joining || s == node_status::up || s == node_status::draining;
}

}  // namespace

std::string_view to_string(node_status s) {
  for (const auto& [status, name] : status_names)
    if (status == s) return name;
  return "unknown";
}

std::optional<node_status> parse_node_status(std::string_view text) {
  for (const auto& [status, name] : status_names)
    if (name == text) return status;
  return std::nullopt;
}

membership_view::membership_view(std::string self, membership_settings settings,
                                 local_clock::time_point started)
    : self_{std::move(self)}, settings_{settings}, started_{started} {
  if (settings_.heartbeat_interval <= std::chrono::milliseconds::zero() ||
      settings_.failure_timeout < 4 * settings_.heartbeat_interval)
    throw std::invalid_argument{
        "cluster: failure_timeout must be at least 4 × heartbeat_interval (> 0)"};
}

// ---- inputs ---------------------------------------------------------------

membership_actions membership_view::observe(const table_snapshot& snapshot,
                                            local_clock::time_point now) {
  membership_actions out;
  observed_ = true;
  peers_changed_ = true;
  ++generation_;
  bool judge = judging(snapshot.issued_at);
  for (const auto& row : snapshot.rows) {
    if (row.node_id == self_) {
      auto& p = peers_[row.node_id];
      p.row = row;
      p.seen = generation_;
      observe_self(row, out);
    } else {
      observe_peer(row, snapshot, judge);
    }
  }
  forget_missing_rows();
  plan_links(judge, out);
  settle(now, out);
  return out;
}

membership_actions membership_view::heartbeat_written(local_clock::time_point issued_at,
                                                      local_clock::time_point now) {
  membership_actions out;
  // A freeze can put this success before the tick that should have fenced:
  // the fence happened all the same, and others may own our keys by now.
  if (last_ok_issue_ && fenced(issued_at)) report_fence(out);
  auto gap = settings_.failure_timeout - 2 * settings_.heartbeat_interval;
  if (!last_ok_issue_ || issued_at - *last_ok_issue_ >= gap) watching_since_ = issued_at;
  if (!last_ok_issue_ || issued_at > *last_ok_issue_) last_ok_issue_ = issued_at;
  if (!fenced(now)) fence_reported_ = false;
  settle(now, out);
  return out;
}

membership_actions membership_view::heartbeat_refused(local_clock::time_point now) {
  membership_actions out;
  evict(out);
  settle(now, out);
  return out;
}

membership_actions membership_view::link_up(std::string_view node, local_clock::time_point now) {
  membership_actions out;
  auto& p = peers_[std::string{node}];
  p.link = link_state::up;
  if (p.lost_at) peers_changed_ = true;
  p.lost_at.reset();
  // A link to a peer that is gone (or unknown and never to be listed) is
  // kept only while its row may still appear: a new joiner dials before our
  // next poll shows its row.
  if (p.row && !wants_link(p)) {
    out.push_back(disconnect_from{std::string{node}});
    p.link = link_state::closing;
  }
  settle(now, out);
  return out;
}

membership_actions membership_view::link_down(std::string_view node, local_clock::time_point now) {
  membership_actions out;
  auto it = peers_.find(node);
  if (it != peers_.end()) {
    auto& p = it->second;
    bool was_up = p.link == link_state::up;
    p.link = link_state::none;
    if (was_up && wants_link(p)) {
      p.lost_at = now;
      peers_changed_ = true;
    }
  }
  settle(now, out);
  return out;
}

membership_actions membership_view::connect_failed(std::string_view node,
                                                   local_clock::time_point now) {
  membership_actions out;
  auto it = peers_.find(node);
  if (it != peers_.end() && it->second.link == link_state::connecting)
    it->second.link = link_state::none;
  settle(now, out);
  return out;
}

membership_actions membership_view::request_drain(local_clock::time_point now) {
  membership_actions out;
  if (self_status_ == node_status::joining || self_status_ == node_status::up) {
    out.push_back(set_self_status{self_status_, node_status::draining});
    self_status_ = node_status::draining;
    out.push_back(start_drain{});
  }
  settle(now, out);
  return out;
}

membership_actions membership_view::handover_done(local_clock::time_point now) {
  membership_actions out;
  if (self_status_ == node_status::draining) {
    self_status_ = node_status::left;
    out.push_back(set_self_status{node_status::draining, node_status::left});
  }
  settle(now, out);
  return out;
}

membership_actions membership_view::tick(local_clock::time_point now) {
  membership_actions out;
  settle(now, out);
  return out;
}

// ---- outputs --------------------------------------------------------------

std::vector<std::string> membership_view::ring_members(local_clock::time_point now) const {
  std::vector<std::string> members = ring_peers_;
  if (owning(now)) members.insert(std::lower_bound(members.begin(), members.end(), self_), self_);
  return members;
}

std::optional<node_status> membership_view::status_of(std::string_view node) const {
  auto it = peers_.find(node);
  return it == peers_.end() ? std::nullopt : effective(it->second);
}

bool membership_view::owning(local_clock::time_point now) const {
  return self_status_ == node_status::up && healthy(now);
}

bool membership_view::fenced(local_clock::time_point now) const {
  return !last_ok_issue_ || now - *last_ok_issue_ >= settings_.failure_timeout;
}

std::vector<node_view> membership_view::nodes() const {
  std::vector<node_view> out;
  for (const auto& [id, p] : peers_) {
    if (!p.row) continue;
    bool ring = std::binary_search(last_ring_.begin(), last_ring_.end(), id);
    out.push_back({*p.row, *effective(p), ring, id != self_ && p.link == link_state::up});
  }
  return out;
}

local_clock::time_point membership_view::next_deadline() const {
  auto next = local_clock::time_point::max();
  if (last_ok_issue_ && !fence_reported_)
    next = std::min(next, *last_ok_issue_ + settings_.failure_timeout);
  if (self_status_ == node_status::joining)
    next = std::min(next, started_ + settings_.join_timeout);
  return next;
}

// ---- rules ----------------------------------------------------------------

bool membership_view::healthy(local_clock::time_point now) const {
  return self_status_ != node_status::down && !fenced(now);
}

// Rule 2: this node has been writing its heartbeat, without a gap that could
// have silenced its peers too, for at least failure_timeout before `at`.
bool membership_view::judging(local_clock::time_point at) const {
  if (!watching_since_ || !last_ok_issue_) return false;
  auto gap = settings_.failure_timeout - 2 * settings_.heartbeat_interval;
  return at - *watching_since_ >= settings_.failure_timeout && at - *last_ok_issue_ < gap;
}

std::optional<node_status> membership_view::effective(const peer& p) const {
  if (!p.row) return std::nullopt;
  if (claims_alive(p.row->status) && p.stale) return node_status::down;
  return p.row->status;
}

bool membership_view::wants_link(const peer& p) const {
  auto s = effective(p);
  return s && claims_alive(*s);
}

bool membership_view::in_ring(const peer& p) const {
  return effective(p) == node_status::up && !p.lost_at;
}

bool membership_view::owns_entities() const {
  return self_status_ == node_status::up || self_status_ == node_status::draining;
}

// Rules 5 and 7 from our own row. A row that lags behind our own transitions
// (still joining after we went up) is ignored: only others' writes count.
void membership_view::observe_self(const node_row& row, membership_actions& out) {
  if (row.status == node_status::down ||
      (row.status == node_status::left && self_status_ != node_status::left)) {
    evict(out);
  } else if (row.status == node_status::draining &&
             (self_status_ == node_status::joining || self_status_ == node_status::up)) {
    self_status_ = node_status::draining;
    out.push_back(start_drain{});
  }
}

// Rules 1–3 for one peer's row.
void membership_view::observe_peer(const node_row& row, const table_snapshot& snapshot,
                                   bool judge) {
  auto& p = peers_[row.node_id];
  p.row = row;
  p.seen = generation_;
  bool fresh = snapshot.db_now - row.heartbeat_at <= settings_.failure_timeout;
  if (fresh)
    p.stale = false;
  else if (judge)
    p.stale = true;
  if (!p.lost_at) return;
  bool alive_after_loss = fresh && snapshot.issued_at - *p.lost_at >= settings_.failure_timeout;
  if (p.stale || !claims_alive(row.status) || alive_after_loss) p.lost_at.reset();
}

// A row deleted from the table (an operator cleaning up) is a node gone.
void membership_view::forget_missing_rows() {
  for (auto& [id, p] : peers_)
    if (p.row && p.seen != generation_) {
      p.row.reset();
      p.lost_at.reset();
    }
}

// Rules 1 and 8: write stale peers down, link to the live ones, unlink the rest.
void membership_view::plan_links(bool judge, membership_actions& out) {
  bool gone = self_status_ == node_status::down || self_status_ == node_status::left;
  for (auto& [id, p] : peers_) {
    if (id == self_) continue;
    if (judge && !gone && p.row && p.stale && claims_alive(p.row->status))
      out.push_back(mark_down{id});
    if (wants_link(p)) {
      if (p.link == link_state::none && !gone) {
        out.push_back(connect_to{id, p.row->cluster_address});
        p.link = link_state::connecting;
      }
    } else if (p.link == link_state::up) {
      out.push_back(disconnect_from{id});
      p.link = link_state::closing;
    }
  }
}

void membership_view::report_fence(membership_actions& out) {
  if (fence_reported_) return;
  fence_reported_ = true;
  if (owns_entities()) out.push_back(stop_owning{stop_owning::reason::fenced});
}

void membership_view::evict(membership_actions& out) {
  if (self_status_ == node_status::down || self_status_ == node_status::left) return;
  if (owns_entities()) out.push_back(stop_owning{stop_owning::reason::evicted});
  self_status_ = node_status::down;
}

// After every input: rule 4 (fence), rule 6 (joining → up), and the ring.
void membership_view::settle(local_clock::time_point now, membership_actions& out) {
  if (last_ok_issue_ && fenced(now)) report_fence(out);
  try_become_up(now, out);
  // Only observe() and link events change which peers are in the ring; the
  // rest of the time only this node's own place can change (O(1) to check).
  bool self_in = owning(now);
  if (!peers_changed_ && self_in == self_in_ring_) return;
  if (peers_changed_) {
    ring_peers_.clear();
    for (const auto& [id, p] : peers_)
      if (id != self_ && in_ring(p)) ring_peers_.push_back(id);
    peers_changed_ = false;
  }
  self_in_ring_ = self_in;
  auto ring = ring_members(now);
  if (ring != last_ring_) {
    out.push_back(ring_changed{last_ring_, ring});
    last_ring_ = std::move(ring);
  }
}

void membership_view::try_become_up(local_clock::time_point now, membership_actions& out) {
  if (self_status_ != node_status::joining || !observed_ || !healthy(now)) return;
  bool linked_to_all = std::all_of(peers_.begin(), peers_.end(), [&](const auto& entry) {
    const auto& [id, p] = entry;
    auto s = effective(p);
    bool must_link = id != self_ && (s == node_status::up || s == node_status::draining);
    return !must_link || p.link == link_state::up;
  });
  if (!linked_to_all && now - started_ < settings_.join_timeout) return;
  self_status_ = node_status::up;
  out.push_back(set_self_status{node_status::joining, node_status::up});
}

}  // namespace delta::cluster
