// actors/cluster/hash_ring.hpp: the laws of placement, as seeded property
// tests over random member ids (node ids are random per process start, so no
// id set may be special): balance within ±10% at 3 members, a join moves only
// the keys that now belong to the joiner (≈ 1/N), a leave only the leaver's,
// and the owner of a key depends on the set of members alone.
#include "actors/cluster/hash_ring.hpp"
#include "actors/cluster/node_id.hpp"
#include "actors/cluster/stable_hash.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace delta::cluster;

namespace {

// Distinct random node ids, each as the API allows them (node_id.hpp).
std::vector<std::string> random_ids(std::mt19937_64& rng, int n) {
  std::vector<std::string> ids;
  while (static_cast<int>(ids.size()) < n) {
    std::string id(1 + rng() % max_node_id_length, ' ');
    for (auto& c : id) c = node_id_alphabet[rng() % node_id_alphabet.size()];
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
  }
  return ids;
}

std::vector<std::string> random_keys(std::mt19937_64& rng, int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back("bucket:key:" + std::to_string(rng()));
  return keys;
}

void expect_balanced(const hash_ring& ring, double tolerance) {
  auto shares = ring.shares();
  double fair = 1.0 / static_cast<double>(ring.members().size());
  double sum = 0;
  for (const auto& [member, share] : shares) {
    EXPECT_NEAR(share, fair, tolerance * fair) << member;
    sum += share;
  }
  EXPECT_NEAR(sum, 1.0, 1e-9);
}

}  // namespace

TEST(HashRing, AnEmptyRingOwnsNoKey) {
  hash_ring ring{{}};
  EXPECT_EQ(ring.owner("bucket:key:1"), nullptr);
  EXPECT_TRUE(ring.shares().empty());
  EXPECT_TRUE(ring.empty());
}

TEST(HashRing, ASingleMemberOwnsEveryKeyAndTheWholeSpace) {
  hash_ring ring{{"only"}};
  for (auto key : {"", "a", "bucket:key:1", "session:ffff"}) EXPECT_EQ(*ring.owner(key), "only");
  EXPECT_EQ(ring.shares(), (std::map<std::string, double>{{"only", 1.0}}));
}

TEST(HashRing, EachOfThreeRandomMembersOwnsWithinTenPercentOfAThird) {
  // 300 random id sets here; bench/cluster_sim.cpp measures 10,000 (worst
  // 5.1%, standard deviation 1.3% of a third).
  std::mt19937_64 rng{13};
  for (int set = 0; set < 300; ++set) {
    SCOPED_TRACE(set);
    expect_balanced(hash_ring{random_ids(rng, 3)}, 0.10);
  }
}

TEST(HashRing, SimilarLookingIdsAreBalancedToo) {
  for (auto ids : std::vector<std::vector<std::string>>{
           {"node-1", "node-2", "node-3"},
           {"a", "b", "c"},
           {"127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"},
           {std::string(64, 'x'), std::string(63, 'x') + "y", std::string(63, 'x') + "z"}}) {
    SCOPED_TRACE(ids.front());
    expect_balanced(hash_ring{ids}, 0.10);
  }
}

TEST(HashRing, KeysLandInProportionToTheShares) {
  std::mt19937_64 rng{7};
  hash_ring ring{random_ids(rng, 3)};
  auto keys = random_keys(rng, 90'000);
  std::map<std::string, int> counted;
  for (const auto& key : keys) ++counted[*ring.owner(key)];
  for (const auto& [member, share] : ring.shares()) {
    double expected = share * keys.size();
    double sd = std::sqrt(expected * (1 - share));
    EXPECT_NEAR(counted[member], expected, 5 * sd) << member;
  }
}

TEST(HashRing, TheOwnerDependsOnTheSetOfMembersNotTheirOrderOrRepeats) {
  std::mt19937_64 rng{21};
  auto ids = random_ids(rng, 5);
  hash_ring reference{ids};
  auto keys = random_keys(rng, 5'000);
  for (int round = 0; round < 10; ++round) {
    auto shuffled = ids;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    shuffled.push_back(shuffled.front());  // a repeat counts once
    hash_ring ring{shuffled};
    EXPECT_EQ(ring.members(), reference.members());
    for (const auto& key : keys) ASSERT_EQ(*ring.owner(key), *reference.owner(key)) << key;
  }
}

TEST(HashRing, OwnersArePinnedSoThatEveryBuildAndMachineAgrees) {
  hash_ring ring{{"node-c", "node-a", "node-b"}};
  EXPECT_EQ(*ring.owner("bucket:key:ab12cd34"), "node-a");
  EXPECT_EQ(*ring.owner("session:1f2e3d4c"), "node-c");
  EXPECT_EQ(*ring.owner("breaker:openai/gpt"), "node-b");
  EXPECT_EQ(*ring.owner("job:42"), "node-a");
}

TEST(HashRing, AJoinMovesAboutOneNthOfTheKeysAndOnlyToTheJoiner) {
  std::mt19937_64 rng{34};
  auto keys = random_keys(rng, 20'000);
  for (int n : {1, 2, 3, 5, 9}) {
    SCOPED_TRACE(n);
    auto ids = random_ids(rng, n + 1);
    std::string joiner = ids.back();
    hash_ring before{{ids.begin(), ids.end() - 1}};
    hash_ring after{ids};
    int moved = 0;
    for (const auto& key : keys) {
      const std::string& old_owner = *before.owner(key);
      const std::string& new_owner = *after.owner(key);
      if (old_owner == new_owner) continue;
      ASSERT_EQ(new_owner, joiner) << key;
      ++moved;
    }
    double fraction = static_cast<double>(moved) / keys.size();
    double ideal = 1.0 / (n + 1);
    EXPECT_NEAR(fraction, ideal, 0.15 * ideal);
    // What moved is exactly the joiner's share, up to sampling error.
    double share = after.shares()[joiner];
    EXPECT_NEAR(fraction, share, 5 * std::sqrt(share * (1 - share) / keys.size()));
  }
}

TEST(HashRing, ALeaveMovesOnlyTheLeaversKeys) {
  std::mt19937_64 rng{55};
  auto keys = random_keys(rng, 20'000);
  for (int n : {2, 3, 4, 10}) {
    SCOPED_TRACE(n);
    auto ids = random_ids(rng, n);
    std::string leaver = ids[rng() % ids.size()];
    hash_ring before{ids};
    ids.erase(std::find(ids.begin(), ids.end(), leaver));
    hash_ring after{ids};
    int moved = 0;
    for (const auto& key : keys) {
      const std::string& old_owner = *before.owner(key);
      if (old_owner == leaver) {
        ++moved;
        EXPECT_NE(*after.owner(key), leaver);
      } else {
        ASSERT_EQ(*after.owner(key), old_owner) << key;
      }
    }
    EXPECT_NEAR(static_cast<double>(moved) / keys.size(), 1.0 / n, 0.15 / n);
  }
}

TEST(HashRing, TheOwnerIsTheMemberOfTheFirstPointAtOrAfterTheKeysHashWrappingAtTheTop) {
  // A reference straight from the definition, against the ring's indexed
  // lookup, from one point in all to thousands.
  std::mt19937_64 rng{89};
  for (int vnodes : {1, 2, 3, 5, 64, 1000}) {
    SCOPED_TRACE(vnodes);
    for (int n : {1, 2, 7}) {
      auto ids = random_ids(rng, n);
      std::vector<std::pair<std::uint64_t, std::string>> points;
      for (const auto& id : ids)
        for (int v = 0; v < vnodes; ++v) points.emplace_back(vnode_point(id, v), id);
      std::sort(points.begin(), points.end());
      hash_ring ring{ids, vnodes};
      auto keys = random_keys(rng, 2'000);
      keys.push_back("");
      for (const auto& key : keys) {
        auto h = stable_hash(key);
        auto it = std::lower_bound(points.begin(), points.end(), std::make_pair(h, std::string{}));
        const std::string& expected = it == points.end() ? points.front().second : it->second;
        ASSERT_EQ(*ring.owner(key), expected) << key;
      }
    }
  }
}

TEST(HashRing, ARingBuiltFromThePreviousOneIsTheRingBuiltFromScratch) {
  std::mt19937_64 rng{144};
  auto keys = random_keys(rng, 3'000);
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE(round);
    auto pool = random_ids(rng, 12);
    std::vector<std::string> before, after;
    for (const auto& id : pool) {
      if (rng() % 2) before.push_back(id);
      if (rng() % 2) after.push_back(id);
    }
    if (round % 4 == 0 && !after.empty()) after.push_back(after.front());  // a repeat
    int vnodes = round % 2 ? 64 : hash_ring::default_vnodes;
    hash_ring previous{before, vnodes};
    hash_ring incremental{previous, after};
    hash_ring scratch{after, vnodes};
    EXPECT_EQ(incremental.members(), scratch.members());
    EXPECT_EQ(incremental.vnodes_per_member(), vnodes);
    EXPECT_EQ(incremental.shares(), scratch.shares());  // the same points, to the bit
    EXPECT_EQ(incremental.memory_bytes(), scratch.memory_bytes());
    for (const auto& key : keys) {
      auto a = incremental.owner(key), b = scratch.owner(key);
      ASSERT_EQ(a == nullptr, b == nullptr);
      if (a) {
        ASSERT_EQ(*a, *b) << key;
      }
    }
  }
}

TEST(HashRing, AtLeastOneVirtualNodePerMember) {
  hash_ring ring{{"a", "b"}, 0};
  EXPECT_EQ(ring.vnodes_per_member(), 1);
  auto shares = ring.shares();
  EXPECT_NEAR(shares["a"] + shares["b"], 1.0, 1e-12);
  EXPECT_NE(ring.owner("k"), nullptr);
}
