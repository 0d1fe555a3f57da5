// http/credential_cache.hpp: the edge's cache of resolved API keys — ttl,
// negative entries, the key's own expiry, invalidation by key and by user,
// and the bound on its size. Explicit times only.
#include "http/credential_cache.hpp"

#include <gtest/gtest.h>

#include <limits>

using delta::http::credential_cache;
using delta::protocol::principal;
using namespace std::chrono_literals;

namespace {

const credential_cache::clock::time_point t0 = credential_cache::clock::time_point{} + 1000h;
constexpr std::time_t wall = 1'800'000'000;  // the wall clock at t0, unix seconds

principal key_of(std::string user, std::int64_t expires_at = 0) {
  principal p;
  p.user_id = std::move(user);
  p.tier = "entry";
  p.role = "user";
  p.auth_method = "api_key";
  p.key_prefix = "dk_live_abcdefgh";
  p.expires_at = expires_at;
  return p;
}

}  // namespace

TEST(CredentialCache, MissesAKeyItNeverSaw) {
  credential_cache cache{2s, 10};
  auto found = cache.find("h1", t0, wall);
  EXPECT_FALSE(found.hit);
  EXPECT_EQ(found.who, nullptr);
}

TEST(CredentialCache, HitsAStoredPrincipalUntilTheTtlHasPassed) {
  credential_cache cache{2s, 10};
  cache.put("h1", key_of("u1"), t0);
  auto found = cache.find("h1", t0 + 2s - 1ns, wall + 1);
  ASSERT_TRUE(found.hit);
  ASSERT_NE(found.who, nullptr);
  EXPECT_EQ(found.who->user_id, "u1");
  EXPECT_FALSE(cache.find("h1", t0 + 2s, wall + 2).hit);
  EXPECT_FALSE(cache.find("h1", t0 + 1h, wall + 3600).hit);
}

TEST(CredentialCache, RemembersAnUnknownKeyAsANegativeHitForTheTtl) {
  credential_cache cache{2s, 10};
  cache.put("unknown", std::nullopt, t0);
  auto found = cache.find("unknown", t0 + 1s, wall + 1);
  EXPECT_TRUE(found.hit);
  EXPECT_EQ(found.who, nullptr);
  EXPECT_FALSE(cache.find("unknown", t0 + 2s, wall + 2).hit);
}

TEST(CredentialCache, AKeyPastItsExpiryIsANegativeHitEvenWithinTheTtl) {
  credential_cache cache{2s, 10};
  cache.put("h1", key_of("u1", wall + 1), t0);
  auto before = cache.find("h1", t0, wall);
  ASSERT_TRUE(before.hit);
  EXPECT_NE(before.who, nullptr);
  auto at = cache.find("h1", t0 + 1s, wall + 1);  // expires_at <= now: expired
  EXPECT_TRUE(at.hit);
  EXPECT_EQ(at.who, nullptr);
  auto after = cache.find("h1", t0 + 1s, wall + 100);
  EXPECT_TRUE(after.hit);
  EXPECT_EQ(after.who, nullptr);
}

TEST(CredentialCache, AKeyWithoutExpiryNeverExpiresByTheWallClock) {
  credential_cache cache{2s, 10};
  cache.put("h1", key_of("u1", 0), t0);
  auto found = cache.find("h1", t0 + 1s, std::numeric_limits<std::time_t>::max());
  ASSERT_TRUE(found.hit);
  EXPECT_NE(found.who, nullptr);
}

TEST(CredentialCache, PuttingAgainReplacesTheEntryAndRestartsItsTtl) {
  credential_cache cache{2s, 10};
  cache.put("h1", std::nullopt, t0);
  cache.put("h1", key_of("u1"), t0 + 1s);
  auto found = cache.find("h1", t0 + 2500ms, wall + 2);
  ASSERT_TRUE(found.hit);
  ASSERT_NE(found.who, nullptr);
  EXPECT_EQ(found.who->user_id, "u1");
  EXPECT_EQ(cache.size(), 1u);
}

TEST(CredentialCache, ForgetKeyDropsThatKeyOnly) {
  credential_cache cache{2s, 10};
  cache.put("h1", key_of("u1"), t0);
  cache.put("h2", key_of("u1"), t0);
  cache.forget_key("h1");
  EXPECT_FALSE(cache.find("h1", t0, wall).hit);
  EXPECT_TRUE(cache.find("h2", t0, wall).hit);
  cache.forget_key("never-seen");
  EXPECT_EQ(cache.size(), 1u);
}

TEST(CredentialCache, ForgetUserDropsEveryKeyOfThatUserAndNothingElse) {
  credential_cache cache{2s, 10};
  cache.put("h1", key_of("u1"), t0);
  cache.put("h2", key_of("u1"), t0);
  cache.put("h3", key_of("u2"), t0);
  cache.put("neg", std::nullopt, t0);
  cache.forget_user("u1");
  EXPECT_FALSE(cache.find("h1", t0, wall).hit);
  EXPECT_FALSE(cache.find("h2", t0, wall).hit);
  EXPECT_TRUE(cache.find("h3", t0, wall).hit);
  EXPECT_TRUE(cache.find("neg", t0, wall).hit);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(CredentialCache, WhenFullPrunesStaleEntriesToMakeRoom) {
  credential_cache cache{2s, 3};
  cache.put("old1", key_of("u1"), t0);
  cache.put("old2", std::nullopt, t0);
  cache.put("fresh", key_of("u2"), t0 + 1s);
  ASSERT_EQ(cache.size(), 3u);
  cache.put("new", key_of("u3"), t0 + 2s);  // old1 and old2 are stale by now
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.find("new", t0 + 2s, wall + 2).hit);
  EXPECT_TRUE(cache.find("fresh", t0 + 2s, wall + 2).hit);
  EXPECT_FALSE(cache.find("old1", t0 + 2s, wall + 2).hit);
}

TEST(CredentialCache, RefusesANewEntryWhenFullOfFreshOnes) {
  credential_cache cache{2s, 3};
  cache.put("a", key_of("u1"), t0);
  cache.put("b", key_of("u2"), t0);
  cache.put("c", key_of("u3"), t0);
  cache.put("d", key_of("u4"), t0 + 1s);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.find("d", t0 + 1s, wall + 1).hit);
  EXPECT_TRUE(cache.find("a", t0 + 1s, wall + 1).hit);
  // An entry already cached may still be refreshed while full.
  cache.put("a", std::nullopt, t0 + 1s);
  auto a = cache.find("a", t0 + 1s, wall + 1);
  EXPECT_TRUE(a.hit);
  EXPECT_EQ(a.who, nullptr);
  EXPECT_EQ(cache.size(), 3u);
}

TEST(CredentialCache, RefreshesAStaleEntryOfAFullCache) {
  // Every entry of a full cache has gone stale; the edge resolves one of the
  // keys again and stores the answer: it must be served from the cache again.
  credential_cache cache{2s, 2};
  cache.put("a", key_of("u1"), t0);
  cache.put("b", key_of("u2"), t0);
  cache.put("a", key_of("u1"), t0 + 3s);
  auto a = cache.find("a", t0 + 3s, wall + 3);
  EXPECT_TRUE(a.hit) << "a re-resolved key is never cached again while the cache is full";
}
