// actors/stream/filter.hpp: which events reach which subscription.
#include "actors/stream/filter.hpp"

#include "tests/unit/actors/stream/sample_events.hpp"

#include <gtest/gtest.h>

using namespace delta::stream;
using delta::protocol::stream_filter;

namespace {

using namespace delta::stream::testing;

stream_filter decisions(std::string symbol = "", std::string model = "", std::string type = "") {
  return {"decisions", std::move(symbol), std::move(model), std::move(type), ""};
}

stream_filter jobs(std::string job_id) { return {"jobs", "", "", "", std::move(job_id)}; }

}  // namespace

TEST(StreamFilter, AnEmptyDecisionsFilterMatchesEveryPublicDecision) {
  EXPECT_TRUE(matches(decisions(), alice, decision("AAPL", "m1", "decision")));
  EXPECT_TRUE(matches(decisions(), bob, decision("BTC-USD", "m2", "published")));
}

TEST(StreamFilter, EveryNamedAttributeMustEqualTheEvents) {
  auto e = decision("AAPL", "m1", "decision");
  EXPECT_TRUE(matches(decisions("AAPL"), alice, e));
  EXPECT_TRUE(matches(decisions("AAPL", "m1", "decision"), alice, e));
  EXPECT_FALSE(matches(decisions("MSFT"), alice, e));
  EXPECT_FALSE(matches(decisions("AAPL", "m2"), alice, e));
  EXPECT_FALSE(matches(decisions("AAPL", "m1", "failed"), alice, e));
  EXPECT_FALSE(matches(decisions("aapl"), alice, e)) << "values compare exactly";
}

TEST(StreamFilter, TheChannelMustBeTheSame) {
  auto e = job("j1", "u-alice");
  EXPECT_FALSE(matches(decisions(), alice, e));
  EXPECT_FALSE(matches(jobs("j1"), alice, decision("AAPL", "m", "t", "u-alice")));
}

TEST(StreamFilter, AJobsSubscriptionSeesOnlyItsJob) {
  EXPECT_TRUE(matches(jobs("j1"), alice, job("j1", "u-alice")));
  EXPECT_FALSE(matches(jobs("j1"), alice, job("j2", "u-alice")));
}

TEST(StreamFilter, OwnJobsOnlyUnlessAdmin) {
  EXPECT_FALSE(matches(jobs("j1"), bob, job("j1", "u-alice")));
  EXPECT_TRUE(matches(jobs("j1"), admin, job("j1", "u-alice")));
}

TEST(StreamFilter, ASystemJobIsVisibleToAdminsOnly) {
  EXPECT_FALSE(matches(jobs("j9"), alice, job("j9", "")));
  EXPECT_TRUE(matches(jobs("j9"), admin, job("j9", "")));
}

TEST(StreamFilter, AnOwnedDecisionReachesItsOwnerAndAdminsOnly) {
  auto e = decision("AAPL", "m1", "decision", "u-alice");
  EXPECT_TRUE(matches(decisions(), alice, e));
  EXPECT_FALSE(matches(decisions(), bob, e));
  EXPECT_TRUE(matches(decisions(), admin, e));
}

TEST(StreamFilter, ASubscriberWithoutAUserIdNeverOwnsAnything) {
  EXPECT_FALSE(visible_to(job("j1", "u-alice"), delta::protocol::stream_subscriber{"", false}));
  EXPECT_FALSE(visible_to(decision("A", "m", "t", "u-alice"), delta::protocol::stream_subscriber{"", false}));
}
