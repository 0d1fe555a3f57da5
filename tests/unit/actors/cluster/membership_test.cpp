// actors/cluster/membership.hpp: every rule of the membership view, driven on
// a fake clock against a fake cluster_nodes table. The database clock runs
// hours away from the local one, as on a real cluster with skew: only ages
// measured on the database's own clock may matter.
#include "actors/cluster/membership.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <stdexcept>

using namespace delta::cluster;
using namespace std::chrono_literals;
using local_time = local_clock::time_point;
using db_time = db_clock::time_point;

namespace {

const local_time t0 = local_time{} + 1000h;
const db_time d0 = db_time{} + 480'000h;  // unrelated to t0: skew must not matter

const membership_settings settings{};  // 500 ms heartbeats, 2000 ms failure timeout
constexpr auto beat = 500ms;
constexpr auto failure_timeout = 2000ms;

template <class Action>
std::vector<Action> all_of_type(const membership_actions& actions) {
  std::vector<Action> out;
  for (const auto& a : actions)
    if (auto p = std::get_if<Action>(&a)) out.push_back(*p);
  return out;
}

template <class Action>
bool has(const membership_actions& actions) {
  return !all_of_type<Action>(actions).empty();
}

bool marks_down(const membership_actions& actions, const std::string& node) {
  auto marks = all_of_type<mark_down>(actions);
  return std::any_of(marks.begin(), marks.end(), [&](const auto& m) { return m.node == node; });
}

bool connects(const membership_actions& actions, const std::string& node) {
  auto c = all_of_type<connect_to>(actions);
  return std::any_of(c.begin(), c.end(), [&](const auto& x) { return x.node == node; });
}

bool disconnects(const membership_actions& actions, const std::string& node) {
  auto c = all_of_type<disconnect_from>(actions);
  return std::any_of(c.begin(), c.end(), [&](const auto& x) { return x.node == node; });
}

using members = std::vector<std::string>;

// The ring after the last ring_changed of `actions`; {"(unchanged)"} if none.
members last_ring(const membership_actions& actions) {
  auto rings = all_of_type<ring_changed>(actions);
  return rings.empty() ? members{"(unchanged)"} : rings.back().after;
}

void append(membership_actions& to, membership_actions more) {
  for (auto& a : more) to.push_back(std::move(a));
}

// A shared cluster_nodes table and its database clock.
struct fake_table {
  std::map<std::string, node_row> rows;
  db_time now = d0;

  void insert(const std::string& id, node_status status) {
    rows[id] = {id, id + ":7000", id + ":8080", status, now, now};
  }
  void heartbeat(const std::string& id) { rows[id].heartbeat_at = now; }
  void set(const std::string& id, node_status status) { rows[id].status = status; }
  table_snapshot read(local_time issued_at) const {
    table_snapshot s{{}, now, issued_at};
    for (const auto& [id, row] : rows) s.rows.push_back(row);
    return s;
  }
};

// One node: its view, its local clock, the table it shares with its peers.
// Like the shell, it carries out the status writes its view asks for, with
// the guards of their SQL (unless a test turns that off to look at a lag).
struct node {
  std::string id;
  fake_table& table;
  local_time now = t0;
  membership_view view;
  bool apply_writes = true;

  node(std::string self, fake_table& t, local_time started = t0)
      : id{self}, table{t}, now{started}, view{self, settings, started} {
    table.insert(id, node_status::joining);
  }

  membership_actions apply(membership_actions actions) {
    if (!apply_writes) return actions;
    for (const auto& a : actions) {
      if (auto s = std::get_if<set_self_status>(&a); s && table.rows[id].status == s->from)
        table.set(id, s->to);
      if (auto m = std::get_if<mark_down>(&a)) {
        auto& row = table.rows[m->node];
        bool alive = row.status == node_status::joining || row.status == node_status::up ||
                     row.status == node_status::draining;
        if (alive && row.heartbeat_at < table.now - failure_timeout) row.status = node_status::down;
      }
    }
    return actions;
  }
  // One heartbeat write and one poll, as the shell does every interval.
  membership_actions heartbeat_and_poll() {
    table.heartbeat(id);
    auto out = apply(view.heartbeat_written(now, now));
    append(out, apply(view.observe(table.read(now), now)));
    return out;
  }
  membership_actions poll() { return apply(view.observe(table.read(now), now)); }
  void advance(local_clock::duration d) {
    now += d;
    table.now += d;
  }
  bool in_ring(const std::string& member) const {
    auto ring = view.ring_members(now);
    return std::find(ring.begin(), ring.end(), member) != ring.end();
  }
  node_status status_of(const std::string& member) const {
    for (const auto& n : view.nodes())
      if (n.row.node_id == member) return n.status;
    throw std::out_of_range{member};
  }
};

// Peers in the table that heartbeat on their own (no view needed).
void peers_heartbeat(fake_table& table, std::initializer_list<std::string> ids) {
  for (const auto& id : ids) table.heartbeat(id);
}

// Node "a" up, linked to up peers "b" and "c", judging (it has written its
// heartbeat for more than the failure timeout).
struct three_node_cluster : ::testing::Test {
  fake_table table;
  node a{"a", table};

  void SetUp() override {
    table.insert("b", node_status::up);
    table.insert("c", node_status::up);
    a.heartbeat_and_poll();
    a.apply(a.view.link_up("b", a.now));
    a.apply(a.view.link_up("c", a.now));
    ASSERT_EQ(a.view.self_status(), node_status::up);
    run(failure_timeout + beat, {"b", "c"});
  }

  // Everyone in `alive` heartbeats each interval; a writes and polls.
  membership_actions run(local_clock::duration d, std::initializer_list<std::string> alive) {
    membership_actions out;
    for (auto end = a.now + d; a.now < end;) {
      a.advance(beat);
      peers_heartbeat(table, alive);
      append(out, a.heartbeat_and_poll());
    }
    return out;
  }
};

}  // namespace

// ---- statuses and settings -------------------------------------------------

TEST(NodeStatus, RoundTripsThroughTheTablesSpelling) {
  for (auto s : {node_status::joining, node_status::up, node_status::draining, node_status::down,
                 node_status::left})
    EXPECT_EQ(parse_node_status(to_string(s)), s);
  EXPECT_EQ(to_string(node_status::draining), "draining");
  EXPECT_EQ(parse_node_status("UP"), std::nullopt);
  EXPECT_EQ(parse_node_status(""), std::nullopt);
}

TEST(MembershipView, RefusesAFailureTimeoutUnderFourHeartbeats) {
  EXPECT_THROW((membership_view{"a", {500ms, 1999ms, 6000ms}, t0}), std::invalid_argument);
  EXPECT_THROW((membership_view{"a", {0ms, 2000ms, 6000ms}, t0}), std::invalid_argument);
  EXPECT_NO_THROW((membership_view{"a", {500ms, 2000ms, 6000ms}, t0}));
}

// ---- joining → up (rule 6) --------------------------------------------------

TEST(MembershipView, ALoneNodeIsUpAfterItsFirstHeartbeatAndPoll) {
  fake_table table;
  node a{"a", table};
  EXPECT_TRUE(a.view.heartbeat_written(a.now, a.now).empty());  // has not read the table yet
  EXPECT_EQ(a.view.self_status(), node_status::joining);
  auto actions = a.poll();
  EXPECT_EQ(a.view.self_status(), node_status::up);
  auto status = all_of_type<set_self_status>(actions);
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].from, node_status::joining);
  EXPECT_EQ(status[0].to, node_status::up);
  auto rings = all_of_type<ring_changed>(actions);
  ASSERT_EQ(rings.size(), 1u);
  EXPECT_EQ(rings[0].before, members{});
  EXPECT_EQ(rings[0].after, members{"a"});
}

TEST(MembershipView, ANodeThatHasNotWrittenItsHeartbeatStaysJoining) {
  fake_table table;
  node a{"a", table};
  a.poll();
  EXPECT_EQ(a.view.self_status(), node_status::joining);
  EXPECT_FALSE(a.view.owning(a.now));
}

TEST(MembershipView, AJoinerConnectsToEveryLivePeerAndIsUpOnceLinkedToEveryUpOne) {
  fake_table table;
  table.insert("b", node_status::up);
  table.insert("c", node_status::up);
  table.insert("d", node_status::joining);
  node a{"a", table};
  auto actions = a.heartbeat_and_poll();
  auto connects_to = all_of_type<connect_to>(actions);
  ASSERT_EQ(connects_to.size(), 3u);
  EXPECT_EQ(connects_to[0].node, "b");
  EXPECT_EQ(connects_to[0].address, "b:7000");
  EXPECT_EQ(a.view.self_status(), node_status::joining);
  EXPECT_EQ(a.view.ring_members(a.now), (members{"b", "c"}));  // it routes before it owns

  EXPECT_FALSE(has<set_self_status>(a.view.link_up("b", a.now)));
  actions = a.view.link_up("c", a.now);  // "d" is only joining: not waited for
  EXPECT_EQ(a.view.self_status(), node_status::up);
  ASSERT_TRUE(has<set_self_status>(actions));
  auto rings = all_of_type<ring_changed>(actions);
  ASSERT_EQ(rings.size(), 1u);
  EXPECT_EQ(rings[0].before, (members{"b", "c"}));
  EXPECT_EQ(rings[0].after, (members{"a", "b", "c"}));
}

TEST(MembershipView, AJoinerIsUpAtTheJoinBoundWhenAPeerStaysUnreachable) {
  fake_table table;
  table.insert("b", node_status::up);
  node a{"a", table};
  a.heartbeat_and_poll();
  while (a.now + beat < t0 + settings.join_timeout) {
    a.advance(beat);
    peers_heartbeat(table, {"b"});
    auto actions = a.heartbeat_and_poll();
    ASSERT_EQ(a.view.self_status(), node_status::joining);
    a.view.connect_failed("b", a.now);
  }
  EXPECT_EQ(a.view.next_deadline(), t0 + settings.join_timeout);  // before the fence would be
  a.advance(t0 + settings.join_timeout - a.now);
  auto actions = a.view.tick(a.now);
  EXPECT_EQ(a.view.self_status(), node_status::up);
  EXPECT_TRUE(has<set_self_status>(actions));
  EXPECT_TRUE(a.in_ring("a"));
  EXPECT_TRUE(a.in_ring("b"));
}

TEST(MembershipView, AnOwnRowThatLagsBehindDoesNotUndoUp) {
  fake_table table;
  node a{"a", table};
  a.apply_writes = false;
  a.heartbeat_and_poll();
  ASSERT_EQ(a.view.self_status(), node_status::up);
  a.advance(beat);
  auto actions = a.heartbeat_and_poll();  // the row still says joining
  EXPECT_EQ(a.view.self_status(), node_status::up);
  EXPECT_TRUE(actions.empty());
}

// ---- failure detection (rules 1 and 3) -------------------------------------

TEST_F(three_node_cluster, AllThreeAreInTheRingAndListedUp) {
  EXPECT_EQ(a.view.ring_members(a.now), (members{"a", "b", "c"}));
  auto nodes = a.view.nodes();
  ASSERT_EQ(nodes.size(), 3u);
  for (const auto& n : nodes) {
    EXPECT_TRUE(n.in_ring) << n.row.node_id;
    EXPECT_EQ(n.linked, n.row.node_id != "a") << n.row.node_id;
  }
  EXPECT_EQ(a.status_of("b"), node_status::up);  // the row said up from the start
}

TEST_F(three_node_cluster, StatusOfAnswersForOneNodeAsNodesDoes) {
  EXPECT_EQ(a.view.status_of("b"), node_status::up);
  EXPECT_EQ(a.view.status_of("nobody"), std::nullopt);
  run(failure_timeout + beat, {"c"});
  EXPECT_EQ(a.view.status_of("b"), node_status::down);
  EXPECT_EQ(a.view.status_of("b"), a.status_of("b"));
}

TEST_F(three_node_cluster, AKilledPeerLeavesTheRingAsSoonAsItsLinkDrops) {
  auto actions = a.view.link_down("b", a.now);
  auto rings = all_of_type<ring_changed>(actions);
  ASSERT_EQ(rings.size(), 1u);
  EXPECT_EQ(rings[0].after, (members{"a", "c"}));
  EXPECT_EQ(a.status_of("b"), node_status::up);  // only a hint: the table is not yet stale
  EXPECT_FALSE(marks_down(actions, "b"));
}

TEST_F(three_node_cluster, ASilentPeerIsDownWithinTheFailureTimeoutPlusOnePoll) {
  // b dies right after its heartbeat; its link stays up (a frozen process).
  a.advance(beat);
  peers_heartbeat(table, {"b", "c"});
  a.heartbeat_and_poll();
  auto died = a.now;
  local_time down_at{};
  membership_actions actions;
  while (down_at == local_time{} && a.now < died + 10s) {
    a.advance(beat);
    peers_heartbeat(table, {"c"});
    actions = a.heartbeat_and_poll();
    if (marks_down(actions, "b")) down_at = a.now;
  }
  EXPECT_GT(down_at, died + failure_timeout);  // not a moment before it is stale
  EXPECT_LE(down_at, died + failure_timeout + beat);
  EXPECT_EQ(a.status_of("b"), node_status::down);
  EXPECT_FALSE(a.in_ring("b"));
  EXPECT_TRUE(disconnects(actions, "b"));  // the frozen link is let go
}

TEST_F(three_node_cluster, MarkDownIsAskedAtEveryPollUntilTheTableSaysDown) {
  a.apply_writes = false;
  auto actions = run(failure_timeout + beat, {"c"});
  EXPECT_TRUE(marks_down(actions, "b"));
  EXPECT_TRUE(marks_down(run(beat, {"c"}), "b"));
  table.set("b", node_status::down);
  EXPECT_FALSE(marks_down(run(beat, {"c"}), "b"));
  EXPECT_EQ(a.status_of("b"), node_status::down);
}

TEST_F(three_node_cluster, AHeartbeatSeenAgainBeforeTheMarkDownLandsBringsThePeerBack) {
  a.apply_writes = false;
  run(failure_timeout + beat, {"c"});
  ASSERT_FALSE(a.in_ring("b"));
  // b was frozen, resumed, and its heartbeat won against the guarded UPDATE.
  run(beat, {"b", "c"});
  EXPECT_EQ(a.status_of("b"), node_status::up);
  EXPECT_TRUE(a.in_ring("b"));
}

TEST_F(three_node_cluster, ADownRowIsDownWhateverItsHeartbeat) {
  table.set("b", node_status::down);
  auto actions = run(beat, {"b", "c"});
  EXPECT_EQ(a.status_of("b"), node_status::down);
  EXPECT_FALSE(a.in_ring("b"));
  EXPECT_TRUE(disconnects(actions, "b"));
  EXPECT_FALSE(connects(run(beat, {"b", "c"}), "b"));
}

TEST_F(three_node_cluster, APeerUnreachableFromHereButAliveReturnsToTheRingAfterTheFailureTimeout) {
  auto lost = a.now;
  a.view.link_down("b", a.now);
  ASSERT_FALSE(a.in_ring("b"));
  while (a.now < lost + failure_timeout - beat) {
    auto actions = run(beat, {"b", "c"});
    EXPECT_FALSE(a.in_ring("b"));
    EXPECT_TRUE(connects(actions, "b"));  // retried at each poll
    a.view.connect_failed("b", a.now);
  }
  auto actions = run(beat, {"b", "c"});  // this poll was sent FT after the loss
  EXPECT_TRUE(a.in_ring("b"));
  EXPECT_EQ(last_ring(actions), (members{"a", "b", "c"}));
  EXPECT_FALSE(marks_down(actions, "b"));
  EXPECT_EQ(a.status_of("b"), node_status::up);
}

TEST_F(three_node_cluster, ALinkThatComesBackEndsTheSuspicionAtOnce) {
  a.view.link_down("b", a.now);
  run(beat, {"b", "c"});
  auto actions = a.view.link_up("b", a.now);
  EXPECT_TRUE(a.in_ring("b"));
  EXPECT_EQ(all_of_type<ring_changed>(actions).size(), 1u);
}

TEST_F(three_node_cluster, AConnectIsRetriedOncePerPollWhileItFails) {
  a.view.link_down("b", a.now);
  EXPECT_TRUE(connects(run(beat, {"b", "c"}), "b"));
  EXPECT_FALSE(connects(run(beat, {"b", "c"}), "b"));  // still connecting: no second attempt
  a.view.connect_failed("b", a.now);
  EXPECT_TRUE(connects(run(beat, {"b", "c"}), "b"));
}

TEST_F(three_node_cluster, ADrainingPeerLeavesTheRingButKeepsItsLinkUntilItHasLeft) {
  table.set("b", node_status::draining);
  auto actions = run(beat, {"b", "c"});
  EXPECT_FALSE(a.in_ring("b"));
  EXPECT_EQ(a.status_of("b"), node_status::draining);
  EXPECT_FALSE(disconnects(actions, "b"));
  table.set("b", node_status::left);
  EXPECT_TRUE(disconnects(run(beat, {"c"}), "b"));
  EXPECT_EQ(a.status_of("b"), node_status::left);
}

TEST_F(three_node_cluster, AJoiningPeerIsLinkedButNotInTheRingUntilItsRowSaysUp) {
  table.insert("d", node_status::joining);
  auto actions = run(beat, {"b", "c", "d"});
  EXPECT_TRUE(connects(actions, "d"));
  a.view.link_up("d", a.now);
  EXPECT_FALSE(a.in_ring("d"));
  table.set("d", node_status::up);
  actions = run(beat, {"b", "c", "d"});
  EXPECT_TRUE(a.in_ring("d"));
  EXPECT_EQ(last_ring(actions), (members{"a", "b", "c", "d"}));
}

TEST_F(three_node_cluster, ALinkFromANodeNotYetInTheTableIsKeptUntilItsRowSaysItIsGone) {
  auto actions = a.view.link_up("e", a.now);  // e dialled before our poll saw its row
  EXPECT_FALSE(disconnects(actions, "e"));
  table.insert("e", node_status::joining);
  actions = run(beat, {"b", "c", "e"});
  EXPECT_FALSE(connects(actions, "e"));  // already linked
  table.set("e", node_status::down);
  EXPECT_TRUE(disconnects(run(beat, {"b", "c"}), "e"));
}

TEST_F(three_node_cluster, ARowDeletedFromTheTableIsANodeGone) {
  table.rows.erase("c");
  auto actions = run(beat, {"b"});
  EXPECT_FALSE(a.in_ring("c"));
  EXPECT_TRUE(disconnects(actions, "c"));
  for (const auto& n : a.view.nodes()) EXPECT_NE(n.row.node_id, "c");
}

// ---- judging (rule 2) -------------------------------------------------------

TEST(MembershipView, ANewNodeJudgesNoPeerBeforeItHasWatchedForTheFailureTimeout) {
  fake_table table;
  table.insert("b", node_status::up);
  table.now += 10s;  // b's heartbeat is long stale, but no one has written it down
  node a{"a", table};
  membership_actions actions;
  while (a.now < t0 + failure_timeout) {
    append(actions, a.heartbeat_and_poll());
    ASSERT_EQ(a.status_of("b"), node_status::up);
    a.advance(beat);
  }
  append(actions, a.heartbeat_and_poll());
  EXPECT_TRUE(marks_down(actions, "b"));
  EXPECT_EQ(a.status_of("b"), node_status::down);
}

TEST_F(three_node_cluster, ADatabaseOutageThatSilencedEveryoneWritesNoOneDown) {
  auto outage = 5s;  // no write or read goes through, for anyone
  auto last = a.now;
  a.advance(outage);
  auto actions = a.view.tick(a.now);  // the shell's timer, late or not
  ASSERT_TRUE(has<stop_owning>(actions));
  // The database is back; a is the first to write, the others follow within
  // one interval of their own.
  for (int i = 0; i < 6; ++i) {
    append(actions, a.heartbeat_and_poll());
    if (i >= 1) peers_heartbeat(table, {"b", "c"});
    a.advance(beat);
  }
  EXPECT_FALSE(marks_down(actions, "b"));
  EXPECT_FALSE(marks_down(actions, "c"));
  EXPECT_EQ(a.view.ring_members(a.now), (members{"a", "b", "c"}));
  EXPECT_GT(a.now, last + outage + failure_timeout);
}

TEST_F(three_node_cluster, AfterItsOwnGapANodeWaitsAFailureTimeoutBeforeJudgingAgain) {
  // a misses three beats (its connection was slow); b died during that time.
  a.advance(4 * beat);
  peers_heartbeat(table, {"c"});
  membership_actions actions = a.heartbeat_and_poll();
  local_time resumed = a.now;
  while (!marks_down(actions, "b")) {
    a.advance(beat);
    peers_heartbeat(table, {"c"});
    actions = a.heartbeat_and_poll();
    if (!marks_down(actions, "b")) {
      ASSERT_EQ(a.status_of("b"), node_status::up);
    }
  }
  EXPECT_GE(a.now, resumed + failure_timeout);
  EXPECT_LT(a.now, resumed + failure_timeout + beat);
}

// ---- self-fencing (rule 4) and eviction (rule 5) ---------------------------

TEST_F(three_node_cluster, ANodeThatCannotWriteItsHeartbeatForTheFailureTimeoutStopsOwning) {
  auto last = a.now;  // the last heartbeat that went through was sent now
  EXPECT_EQ(a.view.next_deadline(), last + failure_timeout);
  EXPECT_TRUE(a.view.tick(last + failure_timeout - 1ms).empty());
  EXPECT_TRUE(a.view.owning(last + failure_timeout - 1ms));

  auto actions = a.view.tick(last + failure_timeout);
  ASSERT_GE(actions.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<stop_owning>(actions[0]));  // before the ring change
  EXPECT_EQ(std::get<stop_owning>(actions[0]).why, stop_owning::reason::fenced);
  EXPECT_EQ(last_ring(actions), (members{"b", "c"}));
  EXPECT_FALSE(a.view.owning(last + failure_timeout));
  EXPECT_TRUE(a.view.fenced(last + failure_timeout));
  EXPECT_TRUE(a.view.tick(last + failure_timeout + 1s).empty());  // said once
}

TEST_F(three_node_cluster, TheFenceHoldsEvenWhenTheTimerRunsLate) {
  auto late = a.now + failure_timeout + 3s;  // frozen: messages may run before the tick
  EXPECT_EQ(a.view.ring_members(late), (members{"b", "c"}));
  EXPECT_FALSE(a.view.owning(late));
}

TEST_F(three_node_cluster, AHeartbeatAfterAFreezeReportsTheMissedFenceFirst) {
  a.advance(failure_timeout + 3s);  // frozen; no tick ran
  table.heartbeat("a");
  auto actions = a.view.heartbeat_written(a.now, a.now);
  ASSERT_FALSE(actions.empty());
  ASSERT_TRUE(std::holds_alternative<stop_owning>(actions[0]));
  EXPECT_EQ(std::get<stop_owning>(actions[0]).why, stop_owning::reason::fenced);
  EXPECT_TRUE(a.view.owning(a.now));  // its row was not written down: it owns again, afresh
}

TEST_F(three_node_cluster, AFenceEndsWhenAHeartbeatGoesThroughAgain) {
  a.advance(failure_timeout);
  a.view.tick(a.now);
  ASSERT_FALSE(a.view.owning(a.now));
  peers_heartbeat(table, {"b", "c"});
  auto actions = a.heartbeat_and_poll();
  EXPECT_FALSE(has<stop_owning>(actions));
  EXPECT_EQ(last_ring(actions), (members{"a", "b", "c"}));
  EXPECT_EQ(a.view.next_deadline(), a.now + failure_timeout);
}

TEST_F(three_node_cluster, ASlowHeartbeatThatWasSentTooLongAgoDoesNotEndTheFence) {
  auto sent = a.now + 1s;
  a.advance(failure_timeout + 1500ms);
  a.view.tick(a.now);
  a.view.heartbeat_written(sent, a.now);  // went through, but 2.5 s late
  EXPECT_TRUE(a.view.fenced(a.now));
  EXPECT_FALSE(a.view.owning(a.now));
}

TEST_F(three_node_cluster, AHeartbeatThatCompletesLateDoesNotMoveTheFenceBack) {
  auto older = a.now - 400ms;  // sent before the last one, answered after it
  a.view.heartbeat_written(older, a.now);
  EXPECT_EQ(a.view.next_deadline(), a.now + failure_timeout);
}

TEST_F(three_node_cluster, ANodeWrittenDownByTheOthersIsEvictedForGood) {
  table.set("a", node_status::down);
  auto actions = run(beat, {"b", "c"});
  ASSERT_TRUE(has<stop_owning>(actions));
  EXPECT_EQ(all_of_type<stop_owning>(actions)[0].why, stop_owning::reason::evicted);
  EXPECT_EQ(a.view.self_status(), node_status::down);
  EXPECT_EQ(a.view.ring_members(a.now), (members{"b", "c"}));
  table.set("a", node_status::up);  // whatever the table says later
  actions = run(beat, {"b", "c"});
  EXPECT_FALSE(a.view.owning(a.now));
  EXPECT_FALSE(has<set_self_status>(actions));
}

TEST_F(three_node_cluster, ARefusedHeartbeatEvicts) {
  auto actions = a.view.heartbeat_refused(a.now);
  ASSERT_TRUE(has<stop_owning>(actions));
  EXPECT_EQ(a.view.self_status(), node_status::down);
  EXPECT_FALSE(a.view.owning(a.now));
  table.rows.erase("b");
  table.insert("f", node_status::up);
  EXPECT_FALSE(connects(run(beat, {"c", "f"}), "f"));  // an evicted node dials no one
}

// ---- draining (rule 7) ------------------------------------------------------

TEST_F(three_node_cluster, ADrainWritesDrainingStartsTheHandoverAndEndsLeft) {
  auto actions = a.view.request_drain(a.now);
  auto status = all_of_type<set_self_status>(actions);
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].from, node_status::up);
  EXPECT_EQ(status[0].to, node_status::draining);
  EXPECT_TRUE(has<start_drain>(actions));
  EXPECT_EQ(last_ring(actions), (members{"b", "c"}));
  EXPECT_EQ(a.view.self_status(), node_status::draining);

  table.set("a", node_status::draining);
  actions = run(beat, {"b", "c"});
  EXPECT_FALSE(has<start_drain>(actions));
  EXPECT_FALSE(disconnects(actions, "b"));  // it still hands over through its links

  actions = a.view.handover_done(a.now);
  status = all_of_type<set_self_status>(actions);
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].to, node_status::left);
  EXPECT_EQ(a.view.self_status(), node_status::left);
  table.set("a", node_status::left);
  EXPECT_FALSE(has<stop_owning>(run(beat, {"b", "c"})));  // left is not an eviction
  EXPECT_TRUE(a.view.heartbeat_refused(a.now).empty());
  EXPECT_EQ(a.view.self_status(), node_status::left);
}

TEST_F(three_node_cluster, ADrainWrittenByAnotherNodeStartsTheHandoverOnce) {
  table.set("a", node_status::draining);
  auto actions = run(beat, {"b", "c"});
  EXPECT_EQ(all_of_type<start_drain>(actions).size(), 1u);
  EXPECT_FALSE(has<set_self_status>(actions));  // the table says so already
  EXPECT_FALSE(a.in_ring("a"));
  EXPECT_FALSE(has<start_drain>(run(beat, {"b", "c"})));
  EXPECT_FALSE(has<start_drain>(a.view.request_drain(a.now)));
}

TEST_F(three_node_cluster, AFencedDrainingNodeDropsWhatItHasNotHandedOver) {
  a.view.request_drain(a.now);
  auto actions = a.view.tick(a.now + failure_timeout);
  EXPECT_TRUE(has<stop_owning>(actions));
}

// ---- convergence ------------------------------------------------------------

TEST(MembershipView, NodesPollingAtDifferentPhasesAgreeWithinOnePollAfterADeath) {
  fake_table table;
  node a{"a", table}, b{"b", table}, c{"c", table};
  // Every node writes and polls every 500 ms, each at its own phase.
  std::map<std::string, local_clock::duration> phase{{"a", 0ms}, {"b", 170ms}, {"c", 340ms}};
  std::vector<node*> nodes{&a, &b, &c};
  auto step = 10ms;
  local_time now = t0;
  auto advance_all = [&](local_time to) {
    for (; now < to; now += step) {
      for (auto* n : nodes) {
        n->now = now;
        if ((now - t0 - phase[n->id]) % beat != 0ms) continue;
        n->heartbeat_and_poll();
        for (auto* peer : nodes)
          if (peer != n) n->apply(n->view.link_up(peer->id, now));
      }
      table.now += step;
    }
  };
  advance_all(t0 + 5s);
  for (auto* n : nodes) ASSERT_EQ(n->view.ring_members(now), (members{"a", "b", "c"})) << n->id;

  nodes = {&a, &c};  // b is killed: it no longer writes or polls; its links stay up (frozen)
  auto died = now;
  local_time a_out{}, c_out{};
  while (now < died + 5s && (a_out == local_time{} || c_out == local_time{})) {
    advance_all(now + step);
    if (a_out == local_time{} && !a.in_ring("b")) a_out = now;
    if (c_out == local_time{} && !c.in_ring("b")) c_out = now;
  }
  ASSERT_NE(a_out, local_time{});
  ASSERT_NE(c_out, local_time{});
  EXPECT_LE(std::max(a_out, c_out) - died, failure_timeout + beat + step);
  EXPECT_LE(std::max(a_out, c_out) - std::min(a_out, c_out), beat);
  EXPECT_EQ(a.view.ring_members(now), c.view.ring_members(now));
  EXPECT_EQ(table.rows["b"].status, node_status::down);
}
