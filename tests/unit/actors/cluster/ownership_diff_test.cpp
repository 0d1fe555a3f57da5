// actors/cluster/ownership_diff.hpp: after a ring change, a node hands over
// exactly the live keys it no longer owns, each to its new owner, keeps the
// rest, and has no one to hand anything to when the ring is empty.
#include "actors/cluster/ownership_diff.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace delta::cluster;

namespace {

std::vector<std::string> keys(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("bucket:key:" + std::to_string(i));
  return out;
}

}  // namespace

TEST(OwnershipDiff, EveryKeyEitherStaysOrGoesToItsOwnerInTheNewRing) {
  hash_ring next{{"a", "b", "c"}};
  auto live = keys(3'000);
  auto plan = ownership_diff(next, "a", live);
  std::size_t moved = 0;
  for (const auto& [owner, moving] : plan.moves) {
    EXPECT_NE(owner, "a");
    for (const auto& key : moving) EXPECT_EQ(*next.owner(key), owner) << key;
    moved += moving.size();
  }
  EXPECT_EQ(moved + plan.kept, live.size());
  EXPECT_TRUE(plan.orphaned.empty());
  for (const auto& key : live)
    if (*next.owner(key) == "a") --plan.kept;
  EXPECT_EQ(plan.kept, 0u);
}

TEST(OwnershipDiff, AfterAJoinANodeHandsOnlyToTheJoiner) {
  hash_ring before{{"a", "b"}};
  hash_ring after{{"a", "b", "joiner"}};
  std::vector<std::string> held;  // what "a" holds: the keys it owned
  for (const auto& key : keys(5'000))
    if (*before.owner(key) == "a") held.push_back(key);
  auto plan = ownership_diff(after, "a", held);
  ASSERT_EQ(plan.moves.size(), 1u);
  ASSERT_TRUE(plan.moves.count("joiner"));
  auto moved = plan.moves["joiner"].size();
  EXPECT_NEAR(static_cast<double>(moved) / held.size(), 1.0 / 3, 0.05);
  EXPECT_EQ(moved + plan.kept, held.size());
}

TEST(OwnershipDiff, ADrainingNodeHandsEverythingOverInTheOrderGiven) {
  hash_ring after{{"b", "c"}};
  auto held = keys(1'000);
  auto plan = ownership_diff(after, "a", held);
  EXPECT_EQ(plan.kept, 0u);
  ASSERT_EQ(plan.moves.size(), 2u);
  EXPECT_EQ(plan.moves["b"].size() + plan.moves["c"].size(), held.size());
  for (const auto& [owner, moving] : plan.moves)
    EXPECT_TRUE(std::is_sorted(moving.begin(), moving.end(), [&](const auto& x, const auto& y) {
      return std::find(held.begin(), held.end(), x) < std::find(held.begin(), held.end(), y);
    })) << owner;
}

TEST(OwnershipDiff, WithNoOneInTheRingEveryKeyIsOrphaned) {
  auto held = keys(10);
  auto plan = ownership_diff(hash_ring{{}}, "a", held);
  EXPECT_EQ(plan.orphaned, held);
  EXPECT_TRUE(plan.moves.empty());
  EXPECT_EQ(plan.kept, 0u);
}

TEST(OwnershipDiff, NothingHeldNothingToDo) {
  auto plan = ownership_diff(hash_ring{{"a", "b"}}, "a", {});
  EXPECT_TRUE(plan.moves.empty());
  EXPECT_TRUE(plan.orphaned.empty());
  EXPECT_EQ(plan.kept, 0u);
}
