// actors/stream/subscription_table.hpp: the hub's index of subscriptions.
#include "actors/stream/subscription_table.hpp"

#include "tests/unit/actors/stream/sample_events.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace delta::stream;

namespace {

using namespace delta::stream::testing;

std::vector<std::pair<connection_id, std::string>> sorted(std::vector<subscription_ref> refs) {
  std::vector<std::pair<connection_id, std::string>> out;
  for (auto& r : refs) out.emplace_back(r.connection, r.subscription_id);
  std::sort(out.begin(), out.end());
  return out;
}

using refs = std::vector<std::pair<connection_id, std::string>>;

}  // namespace

TEST(SubscriptionTable, OneEventReachesEveryMatchingSubscriptionOfEveryConnection) {
  subscription_table t;
  ASSERT_TRUE(t.add(1, "a", {"decisions", "AAPL", "", "", ""}, alice));
  ASSERT_TRUE(t.add(1, "b", {"decisions", "", "", "", ""}, alice));
  ASSERT_TRUE(t.add(2, "a", {"decisions", "AAPL", "", "", ""}, bob));
  ASSERT_TRUE(t.add(2, "c", {"decisions", "MSFT", "", "", ""}, bob));
  EXPECT_EQ(sorted(t.match(decision("AAPL"))), (refs{{1, "a"}, {1, "b"}, {2, "a"}}));
  EXPECT_EQ(sorted(t.match(decision("MSFT"))), (refs{{1, "b"}, {2, "c"}}));
  EXPECT_EQ(t.size(), 4u);
}

TEST(SubscriptionTable, JobEventsReachSubscriptionsOfThatJobAndItsOwnerOnly) {
  subscription_table t;
  t.add(1, "x", {"jobs", "", "", "", "j1"}, alice);
  t.add(2, "y", {"jobs", "", "", "", "j1"}, bob);
  t.add(1, "z", {"jobs", "", "", "", "j2"}, alice);
  EXPECT_EQ(sorted(t.match(job("j1", "u-alice"))), (refs{{1, "x"}}));
  EXPECT_TRUE(t.match(job("j3", "u-alice")).empty());
}

TEST(SubscriptionTable, AnIdIsUniquePerConnectionOnly) {
  subscription_table t;
  EXPECT_TRUE(t.add(1, "s", {"decisions", "", "", "", ""}, alice));
  EXPECT_FALSE(t.add(1, "s", {"decisions", "MSFT", "", "", ""}, alice));
  EXPECT_TRUE(t.add(2, "s", {"decisions", "", "", "", ""}, bob));
  EXPECT_EQ(t.size(), 2u);
}

TEST(SubscriptionTable, RemovingASubscriptionStopsItsEvents) {
  subscription_table t;
  t.add(1, "a", {"decisions", "", "", "", ""}, alice);
  t.add(1, "b", {"jobs", "", "", "", "j1"}, alice);
  EXPECT_TRUE(t.remove(1, "a"));
  EXPECT_FALSE(t.remove(1, "a"));
  EXPECT_FALSE(t.remove(2, "b")) << "another connection's id";
  EXPECT_TRUE(t.match(decision("AAPL")).empty());
  EXPECT_EQ(sorted(t.match(job("j1", "u-alice"))), (refs{{1, "b"}}));
  EXPECT_EQ(t.count(1), 1u);
}

TEST(SubscriptionTable, RemovingAConnectionRemovesAllItsSubscriptionsAndNoOthers) {
  subscription_table t;
  t.add(1, "a", {"decisions", "", "", "", ""}, alice);
  t.add(1, "b", {"jobs", "", "", "", "j1"}, alice);
  t.add(2, "a", {"decisions", "", "", "", ""}, bob);
  EXPECT_EQ(t.remove_connection(1), 2u);
  EXPECT_EQ(t.remove_connection(1), 0u);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.count(1), 0u);
  EXPECT_EQ(sorted(t.match(decision("AAPL"))), (refs{{2, "a"}}));
  EXPECT_TRUE(t.match(job("j1", "u-alice")).empty());
}
