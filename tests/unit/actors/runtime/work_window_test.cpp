// actors/runtime/work_window.hpp: claim-ahead, backlog, hand-back, renewal
// and drain of leased work, on a fake clock.
#include "actors/runtime/work_window.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace delta::runtime;
using namespace std::chrono_literals;

namespace {

struct item {
  std::string id;
};
struct id_of {
  const std::string& operator()(const item& i) const { return i.id; }
};
using window = work_window<item, id_of>;
using clock_type = window::clock;

std::vector<item> items(int from, int count) {
  std::vector<item> out;
  for (int i = from; i < from + count; ++i) out.push_back({"i" + std::to_string(i)});
  return out;
}

window running_window(int concurrency = 2, int hold_limit = 4, int refill_at = 1) {
  window w{{concurrency, hold_limit, refill_at, 10s}};
  w.started();
  return w;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST(WorkWindow, ClaimsNothingUntilTheStartUpReleaseIsDone) {
  window w{{2, 4, 1, 10s}};
  EXPECT_FALSE(w.plan_claim(claim_trigger::wake));
  w.started();
  auto plan = w.plan_claim(claim_trigger::wake);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->size, 4);
  EXPECT_TRUE(plan->full_scan) << "the first claim also settles expired leases";
}

TEST(WorkWindow, KeepsOneClaimInFlightAndAsksForTheRoomLeft) {
  auto w = running_window();
  ASSERT_TRUE(w.plan_claim(claim_trigger::wake));
  EXPECT_FALSE(w.plan_claim(claim_trigger::wake)) << "one claim at a time";
  EXPECT_TRUE(w.claimed(items(0, 3)).empty());
  auto plan = w.plan_claim(claim_trigger::wake);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->size, 1);
}

TEST(WorkWindow, ClaimsAheadOfWhatRunsUpToTheHoldLimit) {
  auto w = running_window(2, 4);
  w.plan_claim(claim_trigger::wake);
  w.claimed(items(0, 4));
  ASSERT_TRUE(w.next());
  ASSERT_TRUE(w.next());
  EXPECT_FALSE(w.next()) << "two run at once";
  EXPECT_EQ(w.waiting(), 2u);
  EXPECT_EQ(w.room(), 0);
  EXPECT_FALSE(w.plan_claim(claim_trigger::wake)) << "no room";
}

TEST(WorkWindow, AfterAShortClaimWaitsForAWakeInsteadOfClaimingOnEveryFreedSlot) {
  auto w = running_window(2, 4);
  w.plan_claim(claim_trigger::wake);
  w.claimed(items(0, 1));  // asked 4, got 1: the queue is empty
  auto first = w.next();
  w.finished(first->id);
  EXPECT_FALSE(w.plan_claim(claim_trigger::room));
  EXPECT_TRUE(w.plan_claim(claim_trigger::wake));
}

TEST(WorkWindow, AWakeDuringAClaimKeepsTheBacklogKnown) {
  auto w = running_window(2, 4);
  w.plan_claim(claim_trigger::wake);
  w.note(claim_trigger::wake);  // a notification arrives meanwhile
  w.claimed(items(0, 1));
  EXPECT_TRUE(w.plan_claim(claim_trigger::room)) << "the wake may announce work the claim missed";
}

TEST(WorkWindow, AFullClaimMeansMoreIsDueAndRefillsWhenEnoughRoomFrees) {
  auto w = running_window(2, 4, 2);
  w.plan_claim(claim_trigger::tick);
  w.claimed(items(0, 4));  // got all it asked: a backlog
  auto a = w.next();
  w.finished(a->id);
  EXPECT_FALSE(w.plan_claim(claim_trigger::room)) << "one free slot is below refill_at";
  auto b = w.next();
  w.finished(b->id);
  auto plan = w.plan_claim(claim_trigger::room);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->size, 2);
  EXPECT_FALSE(plan->full_scan) << "only the tick rescans expired leases";
}

TEST(WorkWindow, AFailedClaimForgetsTheBacklogUntilTheNextWake) {
  auto w = running_window();
  w.plan_claim(claim_trigger::wake);
  w.claim_failed();
  EXPECT_FALSE(w.claim_in_flight());
  EXPECT_FALSE(w.plan_claim(claim_trigger::room));
  EXPECT_TRUE(w.plan_claim(claim_trigger::tick));
}

TEST(WorkWindow, HandsBackWhatItCannotHoldAndSkipsWhatItHolds) {
  auto w = running_window(2, 3);
  EXPECT_TRUE(w.offer(items(0, 2)).empty());
  auto overflow = w.offer(items(1, 3));  // i1 is held already; i2 fits; i3 does not
  EXPECT_EQ(overflow, std::vector<std::string>{"i3"});
  EXPECT_EQ(w.held(), 3u);
}

TEST(WorkWindow, RenewsEveryHeldLeaseOncePerPeriod) {
  auto w = running_window();
  clock_type::time_point t0{};
  EXPECT_TRUE(w.renewals_due(t0 + 20s).empty()) << "nothing held";
  w.offer(items(0, 2));
  EXPECT_EQ(sorted(w.renewals_due(t0 + 20s)), (std::vector<std::string>{"i0", "i1"}));
  EXPECT_TRUE(w.renewals_due(t0 + 25s).empty());
  EXPECT_EQ(w.renewals_due(t0 + 30s).size(), 2u);
}

TEST(WorkWindow, DrainStartsNothingAndReleasesEveryHeldLeaseOnceRunningWorkEnds) {
  auto w = running_window(2, 4);
  clock_type::time_point t0{};
  w.offer(items(0, 4));
  auto a = w.next();
  auto b = w.next();
  w.begin_drain(t0, 5s);
  EXPECT_FALSE(w.next());
  EXPECT_EQ(w.room(), 0);
  EXPECT_EQ(w.offer(items(9, 1)), std::vector<std::string>{"i9"}) << "fresh work goes back while draining";
  EXPECT_FALSE(w.plan_claim(claim_trigger::wake));
  w.finished(a->id);
  EXPECT_FALSE(w.drained());
  w.stopped();  // b's stage ended after the drain began: its lease goes back
  ASSERT_TRUE(w.drained());
  auto released = w.release();
  ASSERT_TRUE(released);
  EXPECT_EQ(sorted(*released), (std::vector<std::string>{"i1", "i2", "i3"}));
  EXPECT_FALSE(w.release()) << "once";
  EXPECT_TRUE(w.renewals_due(t0 + 1h).empty());
  (void)b;
}

TEST(WorkWindow, TheDrainDeadlineStopsWhatStillRuns) {
  auto w = running_window(2, 4);
  clock_type::time_point t0{};
  w.offer(items(0, 2));
  w.next();
  w.begin_drain(t0, 5s);
  EXPECT_FALSE(w.drain_deadline_passed(t0 + 4s));
  EXPECT_TRUE(w.drain_deadline_passed(t0 + 5s));
  w.stop_all_running();
  EXPECT_TRUE(w.drained());
  EXPECT_EQ(w.release()->size(), 2u);
}

TEST(WorkWindow, ADrainWaitsForTheClaimInFlight) {
  auto w = running_window();
  w.plan_claim(claim_trigger::wake);
  w.begin_drain(clock_type::time_point{}, 5s);
  EXPECT_FALSE(w.drained());
  auto overflow = w.claimed(items(0, 2));
  EXPECT_EQ(sorted(overflow), (std::vector<std::string>{"i0", "i1"})) << "claimed while draining: handed back";
  EXPECT_TRUE(w.drained());
}

TEST(WorkWindow, RemovesAWaitingItemBeforeItStarts) {
  auto w = running_window(1, 4);
  w.offer(items(0, 3));
  auto removed = w.remove_waiting([](const item& i) { return i.id == "i2"; });
  ASSERT_TRUE(removed);
  EXPECT_FALSE(w.holds("i2"));
  EXPECT_FALSE(w.remove_waiting([](const item& i) { return i.id == "i7"; }));
}
