// actors/cluster/handover_buffer.hpp: messages for a key in handover are
// held in order and released once, in that order, on completion or expiry;
// what cannot be held is refused and stays with the caller (never dropped
// silently). Checked case by case and against a reference model on random
// operation sequences.
#include "actors/cluster/handover_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace delta::cluster;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using strings = std::vector<std::string>;

namespace {

const clock_type::time_point t0 = clock_type::time_point{} + 1000h;

hold_result hold_copy(handover_buffer<std::string>& buffer, const std::string& key,
                      std::string msg) {
  return buffer.hold(key, std::move(msg));
}

}  // namespace

TEST(HandoverBuffer, HoldsNothingForAKeyThatIsNotInHandover) {
  handover_buffer<std::string> buffer;
  std::string msg = "admit 1";
  EXPECT_EQ(buffer.hold("bucket:a", std::move(msg)), hold_result::not_in_handover);
  EXPECT_EQ(msg, "admit 1");  // still the caller's to deliver
  EXPECT_FALSE(buffer.holding("bucket:a"));
  EXPECT_EQ(buffer.depth(), 0u);
}

TEST(HandoverBuffer, ReleasesTheHeldMessagesInArrivalOrderWhenTheHandoverCompletes) {
  handover_buffer<std::string> buffer;
  ASSERT_TRUE(buffer.begin("bucket:a", t0 + 1s));
  ASSERT_TRUE(buffer.begin("bucket:b", t0 + 1s));
  for (auto m : {"a1", "a2", "a3"}) EXPECT_EQ(hold_copy(buffer, "bucket:a", m), hold_result::held);
  EXPECT_EQ(hold_copy(buffer, "bucket:b", "b1"), hold_result::held);
  EXPECT_TRUE(buffer.holding("bucket:a"));
  EXPECT_EQ(buffer.depth(), 4u);
  EXPECT_EQ(buffer.handovers(), 2u);

  EXPECT_EQ(buffer.complete("bucket:a"), (strings{"a1", "a2", "a3"}));
  EXPECT_FALSE(buffer.holding("bucket:a"));
  EXPECT_EQ(buffer.depth(), 1u);
  EXPECT_EQ(hold_copy(buffer, "bucket:a", "a4"), hold_result::not_in_handover);  // delivered as usual now
  EXPECT_TRUE(buffer.complete("bucket:a").empty());
  EXPECT_EQ(buffer.complete("bucket:b"), (strings{"b1"}));
  EXPECT_EQ(buffer.depth(), 0u);
  EXPECT_EQ(buffer.handovers(), 0u);
}

TEST(HandoverBuffer, AKeyInHandoverWithNoMessagesCompletesEmpty) {
  handover_buffer<std::string> buffer;
  buffer.begin("k", t0 + 1s);
  EXPECT_TRUE(buffer.complete("k").empty());
  EXPECT_FALSE(buffer.holding("k"));
}

TEST(HandoverBuffer, RefusesPastThePerKeyBoundAndLeavesTheMessageWithTheCaller) {
  handover_buffer<std::string> buffer{{2, 100}};
  buffer.begin("k", t0 + 1s);
  buffer.begin("other", t0 + 1s);
  EXPECT_EQ(hold_copy(buffer, "k", "1"), hold_result::held);
  EXPECT_EQ(hold_copy(buffer, "k", "2"), hold_result::held);
  std::string third = "3";
  EXPECT_EQ(buffer.hold("k", std::move(third)), hold_result::key_full);
  EXPECT_EQ(third, "3");
  EXPECT_EQ(hold_copy(buffer, "other", "x"), hold_result::held);  // other keys are unaffected
  EXPECT_EQ(buffer.complete("k"), (strings{"1", "2"}));
}

TEST(HandoverBuffer, RefusesPastTheGlobalBoundAcrossKeys) {
  handover_buffer<std::string> buffer{{10, 3}};
  for (auto k : {"a", "b", "c", "d"}) buffer.begin(k, t0 + 1s);
  EXPECT_EQ(hold_copy(buffer, "a", "1"), hold_result::held);
  EXPECT_EQ(hold_copy(buffer, "b", "2"), hold_result::held);
  EXPECT_EQ(hold_copy(buffer, "c", "3"), hold_result::held);
  EXPECT_EQ(hold_copy(buffer, "d", "4"), hold_result::buffer_full);
  EXPECT_EQ(hold_copy(buffer, "a", "5"), hold_result::buffer_full);
  buffer.complete("b");  // room again
  EXPECT_EQ(hold_copy(buffer, "d", "4"), hold_result::held);
  EXPECT_EQ(buffer.depth(), 3u);
}

TEST(HandoverBuffer, BeginningAgainKeepsTheFirstDeadlineAndTheHeldMessages) {
  handover_buffer<std::string> buffer;
  EXPECT_TRUE(buffer.begin("k", t0 + 1s));
  hold_copy(buffer, "k", "1");
  EXPECT_FALSE(buffer.begin("k", t0 + 5s));
  EXPECT_EQ(buffer.next_deadline(), t0 + 1s);
  auto expired = buffer.expire(t0 + 1s);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].second, (strings{"1"}));
}

TEST(HandoverBuffer, ExpiryGivesBackOverdueHandoversEarliestFirstWithTheirMessages) {
  handover_buffer<std::string> buffer;
  buffer.begin("late", t0 + 3s);
  buffer.begin("first", t0 + 1s);
  buffer.begin("second", t0 + 2s);
  hold_copy(buffer, "first", "f1");
  hold_copy(buffer, "second", "s1");
  hold_copy(buffer, "second", "s2");
  hold_copy(buffer, "late", "l1");
  EXPECT_EQ(buffer.next_deadline(), t0 + 1s);

  EXPECT_TRUE(buffer.expire(t0 + 1s - 1ns).empty());
  auto expired = buffer.expire(t0 + 2s);  // a deadline equal to now is due
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0].first, "first");
  EXPECT_EQ(expired[0].second, (strings{"f1"}));
  EXPECT_EQ(expired[1].first, "second");
  EXPECT_EQ(expired[1].second, (strings{"s1", "s2"}));
  EXPECT_FALSE(buffer.holding("first"));
  EXPECT_TRUE(buffer.holding("late"));
  EXPECT_EQ(buffer.depth(), 1u);
  EXPECT_EQ(buffer.next_deadline(), t0 + 3s);
  buffer.complete("late");
  EXPECT_EQ(buffer.next_deadline(), std::nullopt);
}

TEST(HandoverBuffer, HoldsMessagesThatCanOnlyBeMoved) {
  handover_buffer<std::unique_ptr<int>> buffer;
  buffer.begin("k", t0 + 1s);
  EXPECT_EQ(buffer.hold("k", std::make_unique<int>(7)), hold_result::held);
  auto released = buffer.complete("k");
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(*released[0], 7);
}

TEST(HandoverBuffer, EveryHeldMessageComesOutExactlyOnceInOrderOnRandomSequences) {
  std::mt19937_64 rng{99};
  for (int round = 0; round < 50; ++round) {
    handover_buffer<int> buffer{{8, 40}};
    std::map<std::string, std::vector<int>> model;  // keys in handover and what they hold
    std::vector<int> released, accepted;
    auto now = t0;
    int next = 0;
    for (int op = 0; op < 400; ++op) {
      std::string key = "k" + std::to_string(rng() % 6);
      switch (rng() % 5) {
        case 0:
          if (buffer.begin(key, now + std::chrono::milliseconds(rng() % 300))) {
            ASSERT_FALSE(model.count(key));
            model[key];
          }
          break;
        case 1:
        case 2: {
          int msg = next++;
          auto r = buffer.hold(key, std::move(msg));
          std::size_t total = 0;
          for (const auto& [k, v] : model) total += v.size();
          if (!model.count(key))
            ASSERT_EQ(r, hold_result::not_in_handover);
          else if (model[key].size() >= 8)
            ASSERT_EQ(r, hold_result::key_full);
          else if (total >= 40)
            ASSERT_EQ(r, hold_result::buffer_full);
          else
            ASSERT_EQ(r, hold_result::held);
          if (r == hold_result::held) {
            model[key].push_back(msg);
            accepted.push_back(msg);
          }
          break;
        }
        case 3: {
          auto out = buffer.complete(key);
          ASSERT_EQ(out, model.count(key) ? model[key] : std::vector<int>{});
          released.insert(released.end(), out.begin(), out.end());
          model.erase(key);
          break;
        }
        case 4:
          now += std::chrono::milliseconds(rng() % 100);
          for (auto& [k, msgs] : buffer.expire(now)) {
            ASSERT_TRUE(model.count(k));
            ASSERT_EQ(msgs, model[k]);
            released.insert(released.end(), msgs.begin(), msgs.end());
            model.erase(k);
          }
          break;
      }
      std::size_t total = 0;
      for (const auto& [k, v] : model) total += v.size();
      ASSERT_EQ(buffer.depth(), total);
      ASSERT_EQ(buffer.handovers(), model.size());
    }
    for (auto& [k, msgs] : buffer.expire(clock_type::time_point::max())) {
      released.insert(released.end(), msgs.begin(), msgs.end());
    }
    std::sort(released.begin(), released.end());
    EXPECT_EQ(released, accepted);  // accepted is ascending: no loss, no duplicate
  }
}
