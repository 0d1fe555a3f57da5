// actors/cluster/stable_hash.hpp: the hash every node must compute alike.
// FNV-1a and splitmix64 are checked against their published values, and the
// composed hashes are pinned: a change here would move every entity of a
// running cluster, so it must fail a test first.
#include "actors/cluster/stable_hash.hpp"

#include <gtest/gtest.h>

using namespace delta::cluster;

TEST(StableHash, Fnv1aMatchesThePublishedTestVectors) {
  static_assert(fnv1a64("") == 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(StableHash, MixIsSplitmix64sFinalizer) {
  // The first output of splitmix64 seeded with 0.
  EXPECT_EQ(mix64(0x9e3779b97f4a7c15ull), 0xe220a8397b1dcdafull);
}

TEST(StableHash, KeysAndVirtualNodesHashToPinnedValues) {
  static_assert(stable_hash("bucket:key:ab12cd34") == 0x6d7dd4aedeed215eull);
  EXPECT_EQ(stable_hash("bucket:key:ab12cd34"), 0x6d7dd4aedeed215eull);
  EXPECT_EQ(vnode_point("node-a", 0), 0x40a36dc372dab80aull);
  EXPECT_EQ(vnode_point("node-a", 4095), 0x220c9a39b8cd427aull);
}

TEST(StableHash, BytesAboveAsciiHashAsUnsigned) {
  // char may be signed: the byte 0xe9 must count as 233, as on every platform.
  EXPECT_EQ(fnv1a64("\xe9"), (0xcbf29ce484222325ull ^ 0xe9ull) * 0x100000001b3ull);
}
