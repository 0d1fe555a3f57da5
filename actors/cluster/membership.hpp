#pragma once
// The rules that turn what one node knows into its view of the cluster: which
// nodes are in the ring, what each node's status is, and what this node should
// do about it (actions, as data; the cluster actor carries them out). No
// clock, database or socket in here: every input carries its time.
//
// Inputs
// - A snapshot of the `cluster_nodes` table with the database's now() read by
//   the same query, so every heartbeat age is measured on one clock (the
//   database's) whatever the skew between nodes, and when this node sent the
//   query (its own steady clock).
// - Its own heartbeat writes, UPDATE cluster_nodes SET heartbeat_at = now()
//   WHERE node_id = self AND status IN ('joining','up','draining') (status is
//   never written with the heartbeat, so a drain written by an admin is not
//   overwritten): issued at, succeeded, or refused (no row matched: someone
//   marked this node down).
// - Link events from this node's middleman: up, down, a connect that failed.
// - Operator requests: drain this node; the handover of a drain is done.
//
// The rules (failure_timeout = FT, heartbeat_interval = I)
// 1. A peer is *stale* when the snapshot shows its heartbeat older than FT.
//    Stale peers are down for everyone: every node reads the same table and
//    the same database clock, so all healthy nodes reach the same verdict
//    within one poll of each other. A stale peer leaves the ring at once and
//    this node asks to write it down (mark_down; the UPDATE must repeat the
//    staleness test in SQL so that a heartbeat that lands meanwhile wins).
//    A node that died at t wrote its last heartbeat at or before t, so it is
//    stale at the first poll after t + FT: down within FT + I + one query,
//    i.e. within FT + 1 s for I ≤ 500 ms.
// 2. Only a *judging* node calls a peer stale: one whose own heartbeats have
//    gone through without a gap of FT - 2I or more for at least FT. After a
//    database outage every heartbeat is old; without this rule the first node
//    back would write every other node down. A peer's fresh heartbeat is
//    always believed; when not judging, earlier stale verdicts are kept.
// 3. A lost link is a local hint, not a verdict: the peer is *suspect* and
//    leaves this node's ring at once (a killed process drops its links within
//    milliseconds, so its keys move long before its heartbeat goes stale; a
//    frozen one is found by rule 1 or by the middleman's connection timeout,
//    whichever is first). Suspicion ends when the link comes back, when the
//    heartbeat goes stale (rule 1), or when a snapshot sent FT or more after
//    the loss still shows a fresh heartbeat: the peer wrote after the link
//    dropped, so it is alive and only unreachable from here. It then rejoins
//    this node's ring, so views that split over a lost link agree again within
//    FT + I; its keys answer 503 here until a retried connect succeeds, rather
//    than having two owners. The price of acting on the hint at once: during
//    the suspicion itself (at most FT + I) a peer that is in fact alive still
//    owns its keys while this node routes them elsewhere, so a partition
//    between two live nodes can give a key two owners for that long. A kill,
//    the common case, cannot (the dead node owns nothing).
// 4. Self-fencing: a node whose last successful heartbeat was *issued* FT or
//    more ago stops owning at once (stop_owning{fenced}: drop every entity,
//    no handover). Others can call it stale only once the database's now() is
//    FT past a heartbeat_at that the database stamped after that issue, so
//    the node always lets go first. A heartbeat that goes through again ends
//    the fence (if no one marked the node down meanwhile: the guarded UPDATE
//    would be refused) and the node owns again, starting from empty entities.
// 5. A node whose own row reads down or left (or whose heartbeat is refused)
//    was written out by the cluster: it is evicted for good
//    (stop_owning{evicted}); it must not come back under the same node id, so
//    the shell should exit and let a new process join with a new id.
// 6. Joining → up: once this node has read the table and is not fenced, and
//    has links to every fresh up or draining peer, or join_timeout after it
//    started (a peer that stays unreachable must not keep a node out for ever).
// 7. Draining: requested here (request_drain) or in the table (an admin route
//    on any node writes draining to this node's row); either way start_drain
//    once. A draining node is not in the ring but keeps its links, so it can
//    hand its entities over; handover_done makes it left.
// 8. Links: connect to every fresh joining, up or draining peer without one
//    (again after each poll while it fails: one attempt per interval),
//    disconnect from peers that are down, left, stale or gone.
//
// The ring is: the up, non-stale, non-suspect peers, plus this node while it
// is up and not fenced. Two healthy nodes' rings differ only for the length of
// one poll after a change, or for at most FT + I after one of them lost a link.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace delta::cluster {

enum class node_status { joining, up, draining, down, left };

std::string_view to_string(node_status s);  // the table's spelling: "joining", ...
std::optional<node_status> parse_node_status(std::string_view text);

// This process's monotonic clock: link events, heartbeat issue times, timers.
using local_clock = std::chrono::steady_clock;
// Timestamps read from PostgreSQL; only ever compared with the database's own
// now() of the same query.
using db_clock = std::chrono::system_clock;

// One row of cluster_nodes.
struct node_row {
  std::string node_id;
  std::string cluster_address;  // host:port of the node's middleman
  std::string http_address;     // host:port of its HTTP edge
  node_status status = node_status::joining;
  db_clock::time_point started_at;
  db_clock::time_point heartbeat_at;
};

// Every row of cluster_nodes and now(), read by one query.
struct table_snapshot {
  std::vector<node_row> rows;
  db_clock::time_point db_now;
  local_clock::time_point issued_at;  // when this node sent the query
};

struct membership_settings {
  std::chrono::milliseconds heartbeat_interval{500};  // heartbeat write and table poll period
  std::chrono::milliseconds failure_timeout{2000};    // heartbeat age that makes a node down
  std::chrono::milliseconds join_timeout{6000};       // joining → up at the latest this long after start
};

// Actions: what the shell should do now. SQL shown is the intent; the
// repository owns the real statements.

// UPDATE cluster_nodes SET status = 'down' WHERE node_id = $1 AND status IN
// ('joining','up','draining') AND heartbeat_at < now() - failure_timeout.
struct mark_down {
  std::string node;
};
// Open a middleman link to the peer (connect + look up its cluster endpoint
// and monitor it); report link_up, or connect_failed. Never blocking.
struct connect_to {
  std::string node;
  std::string address;
};
// Close the link to the peer; report link_down when it is gone.
struct disconnect_from {
  std::string node;
};
// UPDATE cluster_nodes SET status = $to WHERE node_id = self AND status = $from
// (a drain written by an admin meanwhile wins).
struct set_self_status {
  node_status from;
  node_status to;
};
// Stop taking entities and hand every live one over (ownership_diff), finish
// or release work; then call handover_done().
struct start_drain {};
// Drop every entity now, without handover: others own them (or will before
// this node could reach them).
struct stop_owning {
  enum class reason { fenced, evicted };
  reason why;
};
// The ring changed: hand over the keys that moved away (ownership_diff), hold
// messages for the keys that moved here until their old owner hands them over.
struct ring_changed {
  std::vector<std::string> before;
  std::vector<std::string> after;
};

using membership_action = std::variant<mark_down, connect_to, disconnect_from, set_self_status,
                                       start_drain, stop_owning, ring_changed>;
// In the order to carry out: stop_owning comes before the ring_changed it causes.
using membership_actions = std::vector<membership_action>;

// One node as the admin route shows it.
struct node_view {
  node_row row;
  node_status status;  // effective: the row's status, or down once stale
  bool in_ring;        // in this node's ring
  bool linked;         // this node has a link to it (self: false)
};

class membership_view {
 public:
  // Throws std::invalid_argument unless failure_timeout >= 4 × heartbeat_interval
  // (rule 2 needs room for a missed beat) and both are positive.
  membership_view(std::string self, membership_settings settings, local_clock::time_point started);

  membership_actions observe(const table_snapshot& snapshot, local_clock::time_point now);
  membership_actions heartbeat_written(local_clock::time_point issued_at, local_clock::time_point now);
  membership_actions heartbeat_refused(local_clock::time_point now);
  membership_actions link_up(std::string_view node, local_clock::time_point now);
  membership_actions link_down(std::string_view node, local_clock::time_point now);
  membership_actions connect_failed(std::string_view node, local_clock::time_point now);
  membership_actions request_drain(local_clock::time_point now);
  membership_actions handover_done(local_clock::time_point now);
  // Fencing and the join bound need time to pass: call by next_deadline().
  membership_actions tick(local_clock::time_point now);

  // The ring's members, sorted. Takes the time so that a fence is honoured
  // even if tick() runs late (after a freeze, messages may come first).
  std::vector<std::string> ring_members(local_clock::time_point now) const;
  bool owning(local_clock::time_point now) const;  // this node is in its ring
  bool fenced(local_clock::time_point now) const;
  // joining, up, draining, left; down once evicted.
  node_status self_status() const { return self_status_; }
  const std::string& self() const { return self_; }
  // A node's effective status (as in nodes()); nullopt for a node without a row.
  std::optional<node_status> status_of(std::string_view node) const;
  // Every node of the last snapshot, by id (plus nothing else: a peer seen
  // only through a link is not listed until it has a row).
  std::vector<node_view> nodes() const;
  // When tick() must run next (fence, join bound); max() when nothing is due.
  local_clock::time_point next_deadline() const;

 private:
  enum class link_state { none, connecting, up, closing };
  struct peer {
    std::optional<node_row> row;  // absent: known only from a link event
    link_state link = link_state::none;
    std::optional<local_clock::time_point> lost_at;  // suspect since (rule 3)
    bool stale = false;                              // rule 1 verdict
    std::uint64_t seen = 0;                          // generation of the last snapshot listing it
  };

  bool healthy(local_clock::time_point now) const;
  bool judging(local_clock::time_point at) const;
  std::optional<node_status> effective(const peer& p) const;
  bool wants_link(const peer& p) const;
  bool in_ring(const peer& p) const;
  bool owns_entities() const;

  void observe_self(const node_row& row, membership_actions& out);
  void observe_peer(const node_row& row, const table_snapshot& snapshot, bool judge);
  void forget_missing_rows();
  void plan_links(bool judge, membership_actions& out);
  void report_fence(membership_actions& out);
  void evict(membership_actions& out);
  void settle(local_clock::time_point now, membership_actions& out);
  void try_become_up(local_clock::time_point now, membership_actions& out);

  std::string self_;
  membership_settings settings_;
  local_clock::time_point started_;
  node_status self_status_ = node_status::joining;
  bool observed_ = false;
  bool fence_reported_ = false;
  std::optional<local_clock::time_point> last_ok_issue_;   // last successful heartbeat, sent at
  std::optional<local_clock::time_point> watching_since_;  // rule 2
  std::map<std::string, peer, std::less<>> peers_;          // self included, for nodes()
  std::uint64_t generation_ = 0;                           // snapshots observed
  bool peers_changed_ = true;           // which peers are in the ring may have changed
  std::vector<std::string> ring_peers_;  // the peers in the ring, sorted
  bool self_in_ring_ = false;
  std::vector<std::string> last_ring_;  // as last reported by ring_changed
};

}  // namespace delta::cluster
