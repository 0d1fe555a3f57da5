// storage/identity_repository.hpp against a real, migrated PostgreSQL through
// the pool: users (case-insensitive email), sessions (expiry, revocation,
// deactivated users), API keys (per-tier count limits, also under
// concurrency; resolution, revocation by the owner only, listing), and the
// seeded tiers and entitlements with their admin changes.
#include "storage/identity_repository.hpp"

#include "protocol/credentials.hpp"
#include "storage/migrator.hpp"
#include "storage/pg_connection.hpp"
#include "tests/integration/support/migrated_pool.hpp"
#include "tests/integration/support/test_database.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <future>
#include <memory>
#include <optional>
#include <regex>

using namespace delta::storage;
using delta::testing::call_and_wait;
using delta::testing::migrated_pool_test;
using delta::testing::scratch_database;
namespace identity = delta::storage::identity;
namespace protocol = delta::protocol;
using namespace std::chrono_literals;

namespace {

const std::regex rfc3339{R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)"};

std::string hash_of(const std::string& secret) { return protocol::sha256_hex(secret); }

class IdentityRepositoryTest : public migrated_pool_test {
 protected:
  void SetUp() override { start(4, identity::register_statements); }

  void sql(const std::string& text) {
    pg_connection conn{db->url()};
    conn.exec_script(text);
  }

  // A new user; returns its id.
  std::string user(const std::string& email, const std::string& tier = "free",
                   const std::string& role = "user") {
    auto r = one(identity::insert_user(email, "$argon2id$v=19$not-a-real-hash", "", tier, role));
    EXPECT_EQ(r.rows.size(), 1u) << email;
    return r.rows.empty() ? std::string{} : identity::to_user(r.rows[0]).user_id;
  }

  // Inserts a key within the tier's limit (one transaction); the new key's
  // view, or nullopt when the tier's maximum was reached.
  std::optional<protocol::api_key_view> add_key(const std::string& user_id, const std::string& secret,
                                                std::int64_t expires_in_days = 0,
                                                const std::string& name = "key") {
    auto reply = call_and_wait(
        *pool, identity::insert_key_within_limit(user_id, name, secret.substr(0, 16), hash_of(secret),
                                                 expires_in_days),
        true);
    EXPECT_TRUE(reply.ok()) << reply.error->message;
    if (!reply.ok()) return std::nullopt;
    EXPECT_EQ(reply.results.size(), 2u);
    auto keys = identity::to_keys(reply.results.at(1));
    if (keys.empty()) return std::nullopt;
    return keys.front();
  }

  std::optional<protocol::principal> by_key(const std::string& secret) {
    return identity::to_principal(one(identity::key_principal(hash_of(secret))), "api_key");
  }

  std::optional<protocol::principal> by_session(const std::string& token) {
    return identity::to_principal(one(identity::session_principal(hash_of(token))), "session");
  }

  protocol::entitlement_table tiers() { return identity::to_entitlements(one(identity::all_tiers())); }

  // One page of a user's keys with their count (the list route's query).
  protocol::api_key_page key_page(const std::string& user_id, std::int32_t limit = 50, std::int64_t offset = 0) {
    auto reply = call_and_wait(*pool, identity::list_keys({user_id, limit, offset}), false);
    EXPECT_TRUE(reply.ok()) << reply.error->message;
    return reply.ok() ? identity::to_key_page(reply.results) : protocol::api_key_page{};
  }

  std::int64_t count(const std::string& query) {
    pg_connection conn{db->url()};
    auto res = conn.exec(query, {});
    return std::stoll(res.rows.at(0).at(0).value_or("-1"));
  }

};

}  // namespace

// ---- users ----

TEST_F(IdentityRepositoryTest, InsertsAUserWithDefaultsAndReturnsItsView) {
  auto r = one(identity::insert_user("ana@example.com", "$argon2id$x", "Ana"));
  ASSERT_EQ(r.rows.size(), 1u);
  auto u = identity::to_user(r.rows[0]);
  EXPECT_EQ(u.user_id.size(), 36u) << u.user_id;  // a UUID
  EXPECT_EQ(u.email, "ana@example.com");
  EXPECT_EQ(u.display_name, "Ana");
  EXPECT_EQ(u.tier, "free");
  EXPECT_EQ(u.role, "user");
  EXPECT_TRUE(u.active);
}

TEST_F(IdentityRepositoryTest, FindsAUserByEmailIgnoringCaseWithItsPasswordHash) {
  auto id = user("Ana.Lopez@Example.com", "entry");
  auto r = one(identity::user_by_email("ana.lopez@EXAMPLE.COM"));
  ASSERT_EQ(r.rows.size(), 1u);
  auto u = identity::to_user(r.rows[0]);
  EXPECT_EQ(u.user_id, id);
  EXPECT_EQ(u.email, "Ana.Lopez@Example.com");  // stored as given
  EXPECT_EQ(u.tier, "entry");
  EXPECT_EQ(u.display_name, "");  // an empty display name is stored as NULL, read back as ""
  ASSERT_EQ(r.rows[0].size(), 7u);
  EXPECT_EQ(r.rows[0][6], "$argon2id$v=19$not-a-real-hash");
  EXPECT_TRUE(one(identity::user_by_email("nobody@example.com")).rows.empty());
}

TEST_F(IdentityRepositoryTest, ADuplicateEmailInAnyCaseIsAConstraintFailure) {
  user("bo@example.com");
  auto reply = call_and_wait(*pool, identity::insert_user("BO@Example.COM", "$argon2id$x", ""));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  EXPECT_EQ(reply.error->sqlstate, "23505");
  EXPECT_EQ(count("SELECT count(*) FROM users"), 1);
}

TEST_F(IdentityRepositoryTest, AnUnknownTierOrRoleIsAConstraintFailure) {
  auto tier = call_and_wait(*pool, identity::insert_user("a@example.com", "$argon2id$x", "", "platinum"));
  ASSERT_FALSE(tier.ok());
  EXPECT_EQ(tier.error->kind, pg_failure::constraint);
  auto role = call_and_wait(*pool, identity::insert_user("b@example.com", "$argon2id$x", "", "free", "root"));
  ASSERT_FALSE(role.ok());
  EXPECT_EQ(role.error->kind, pg_failure::constraint);
}

// ---- sessions ----

TEST_F(IdentityRepositoryTest, ASessionResolvesToItsUserWithItsExpiry) {
  auto id = user("cy@example.com", "professional", "admin");
  auto before = std::time(nullptr);
  auto r = one(identity::insert_session(hash_of("ds_token_1"), id, 3600));
  ASSERT_EQ(r.rows.size(), 1u);
  auto expires_text = r.rows[0][0].value_or("");
  EXPECT_TRUE(std::regex_match(expires_text, rfc3339)) << expires_text;

  auto who = by_session("ds_token_1");
  ASSERT_TRUE(who);
  EXPECT_EQ(who->user_id, id);
  EXPECT_EQ(who->email, "cy@example.com");
  EXPECT_EQ(who->tier, "professional");
  EXPECT_EQ(who->role, "admin");
  EXPECT_EQ(who->auth_method, "session");
  EXPECT_EQ(who->key_id, "");
  EXPECT_EQ(who->key_prefix, "");
  EXPECT_GE(who->expires_at, before + 3600 - 5);
  EXPECT_LE(who->expires_at, std::time(nullptr) + 3600 + 5);
}

TEST_F(IdentityRepositoryTest, AnUnknownSessionResolvesToNoOne) {
  user("cy@example.com");
  EXPECT_FALSE(by_session("ds_never_issued"));
}

TEST_F(IdentityRepositoryTest, ARevokedSessionResolvesToNoOne) {
  auto id = user("cy@example.com");
  one(identity::insert_session(hash_of("ds_token_1"), id, 3600));
  one(identity::insert_session(hash_of("ds_token_2"), id, 3600));
  auto revoked = one(identity::revoke_session(hash_of("ds_token_1")));
  EXPECT_EQ(revoked.affected, 1);
  EXPECT_FALSE(by_session("ds_token_1"));
  EXPECT_TRUE(by_session("ds_token_2"));  // the user's other session lives on
  EXPECT_EQ(one(identity::revoke_session(hash_of("ds_token_1"))).affected, 0);  // once only
}

TEST_F(IdentityRepositoryTest, AnExpiredSessionResolvesToNoOne) {
  auto id = user("cy@example.com");
  one(identity::insert_session(hash_of("ds_token_1"), id, 3600));
  ASSERT_TRUE(by_session("ds_token_1"));
  sql("UPDATE sessions SET expires_at = now() - interval '1 second'");
  EXPECT_FALSE(by_session("ds_token_1"));
}

TEST_F(IdentityRepositoryTest, ASessionOfADeactivatedUserResolvesToNoOne) {
  auto id = user("cy@example.com");
  one(identity::insert_session(hash_of("ds_token_1"), id, 3600));
  protocol::user_patch off;
  off.active = false;
  ASSERT_EQ(one(identity::patch_user(id, off)).rows.size(), 1u);
  EXPECT_FALSE(by_session("ds_token_1"));
  protocol::user_patch on;
  on.active = true;
  one(identity::patch_user(id, on));
  EXPECT_TRUE(by_session("ds_token_1"));
}

TEST_F(IdentityRepositoryTest, ASessionSeesTheUsersCurrentTier) {
  auto id = user("cy@example.com", "entry");
  one(identity::insert_session(hash_of("ds_token_1"), id, 3600));
  protocol::user_patch upgrade;
  upgrade.tier = std::string{"analyst"};
  one(identity::patch_user(id, upgrade));
  auto who = by_session("ds_token_1");
  ASSERT_TRUE(who);
  EXPECT_EQ(who->tier, "analyst");
}

// ---- API keys ----

TEST_F(IdentityRepositoryTest, AFreeUserMayNotCreateAKey) {
  auto id = user("free@example.com", "free");
  EXPECT_FALSE(add_key(id, "dk_live_free_user_secret_0001"));
  EXPECT_EQ(count("SELECT count(*) FROM api_keys"), 0);
}

TEST_F(IdentityRepositoryTest, AnEntryUserMayCreateOneKeyAndNoSecond) {
  auto id = user("entry@example.com", "entry");
  auto first = add_key(id, "dk_live_entry_secret_00001", 0, "ci");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->key_id.size(), 36u);
  EXPECT_EQ(first->name, "ci");
  EXPECT_EQ(first->prefix, "dk_live_entry_se");
  EXPECT_EQ(first->rate_limit_per_hour, 100);
  EXPECT_TRUE(std::regex_match(first->created_at, rfc3339)) << first->created_at;
  EXPECT_EQ(first->expires_at, "");
  EXPECT_EQ(first->key, "");  // the secret is never read back from the database
  EXPECT_FALSE(add_key(id, "dk_live_entry_secret_00002"));
  EXPECT_EQ(count("SELECT count(*) FROM api_keys"), 1);
}

TEST_F(IdentityRepositoryTest, EachTierHasItsOwnKeyMaximum) {
  struct expectation {
    const char* tier;
    int max;
  };
  for (auto [tier, max] : {expectation{"professional", 3}, expectation{"analyst", 5},
                           expectation{"research", 10}}) {
    auto id = user(std::string{tier} + "@example.com", tier);
    for (int i = 0; i < max; ++i)
      ASSERT_TRUE(add_key(id, "dk_live_" + std::string{tier} + "_" + std::to_string(i)))
          << tier << " key " << i;
    EXPECT_FALSE(add_key(id, "dk_live_" + std::string{tier} + "_over")) << tier;
  }
}

TEST_F(IdentityRepositoryTest, ARevokedOrExpiredKeyFreesItsPlace) {
  auto id = user("entry@example.com", "entry");
  auto first = add_key(id, "dk_live_entry_secret_00001");
  ASSERT_TRUE(first);
  ASSERT_EQ(one(identity::revoke_key(id, first->key_id)).rows.size(), 1u);
  auto second = add_key(id, "dk_live_entry_secret_00002");
  ASSERT_TRUE(second);
  EXPECT_FALSE(add_key(id, "dk_live_entry_secret_00003"));
  sql("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL");
  EXPECT_TRUE(add_key(id, "dk_live_entry_secret_00004"));
}

TEST_F(IdentityRepositoryTest, ConcurrentKeyCreationsNeverExceedTheTiersMaximum) {
  // Ten creations in flight at once over four connections, each a transaction
  // that locks the user row first: exactly the tier's maximum gets a row.
  struct expectation {
    const char* tier;
    int max;
  };
  for (auto [tier, max] : {expectation{"entry", 1}, expectation{"professional", 3}}) {
    SCOPED_TRACE(tier);
    auto id = user(std::string{tier} + "@example.com", tier);
    std::vector<std::future<pg_reply>> replies;
    for (int i = 0; i < 10; ++i) {
      auto done = std::make_shared<std::promise<pg_reply>>();
      replies.push_back(done->get_future());
      auto secret = "dk_live_" + std::string{tier} + "_concurrent_" + std::to_string(i);
      pool->call(identity::insert_key_within_limit(id, "k" + std::to_string(i), secret.substr(0, 16),
                                                   hash_of(secret), 0),
                 true, [done](pg_reply reply) { done->set_value(std::move(reply)); });
    }
    int created = 0, refused = 0;
    for (auto& f : replies) {
      ASSERT_EQ(f.wait_for(30s), std::future_status::ready) << "no reply within 30 s";
      auto reply = f.get();
      ASSERT_TRUE(reply.ok()) << reply.error->message;
      ASSERT_EQ(reply.results.size(), 2u);
      ++(reply.results[1].rows.empty() ? refused : created);
    }
    EXPECT_EQ(created, max);
    EXPECT_EQ(refused, 10 - max);
    EXPECT_EQ(count("SELECT count(*) FROM api_keys WHERE user_id = '" + id + "'"), max);
  }
}

TEST_F(IdentityRepositoryTest, AKeyResolvesToItsOwnerWithTheKeysIdAndPrefix) {
  auto id = user("pro@example.com", "professional");
  auto key = add_key(id, "dk_live_pro_secret_000001");
  ASSERT_TRUE(key);
  auto who = by_key("dk_live_pro_secret_000001");
  ASSERT_TRUE(who);
  EXPECT_EQ(who->user_id, id);
  EXPECT_EQ(who->email, "pro@example.com");
  EXPECT_EQ(who->tier, "professional");
  EXPECT_EQ(who->role, "user");
  EXPECT_EQ(who->auth_method, "api_key");
  EXPECT_EQ(who->key_id, key->key_id);
  EXPECT_EQ(who->key_prefix, "dk_live_pro_secr");
  EXPECT_EQ(who->expires_at, 0);  // never expires
  EXPECT_FALSE(by_key("dk_live_pro_secret_000002"));
}

TEST_F(IdentityRepositoryTest, AKeyWithExpiryCarriesItAndStopsResolvingOnceExpired) {
  auto id = user("pro@example.com", "professional");
  auto before = std::time(nullptr);
  auto key = add_key(id, "dk_live_pro_secret_000001", 30);
  ASSERT_TRUE(key);
  EXPECT_TRUE(std::regex_match(key->expires_at, rfc3339)) << key->expires_at;
  auto who = by_key("dk_live_pro_secret_000001");
  ASSERT_TRUE(who);
  EXPECT_GE(who->expires_at, before + 30 * 86400 - 5);
  EXPECT_LE(who->expires_at, std::time(nullptr) + 30 * 86400 + 5);
  sql("UPDATE api_keys SET expires_at = now() - interval '1 second'");
  EXPECT_FALSE(by_key("dk_live_pro_secret_000001"));
}

TEST_F(IdentityRepositoryTest, ARevokedKeyOrAKeyOfADeactivatedUserResolvesToNoOne) {
  auto id = user("pro@example.com", "professional");
  auto a = add_key(id, "dk_live_pro_secret_00000a");
  auto b = add_key(id, "dk_live_pro_secret_00000b");
  ASSERT_TRUE(a && b);
  one(identity::revoke_key(id, a->key_id));
  EXPECT_FALSE(by_key("dk_live_pro_secret_00000a"));
  EXPECT_TRUE(by_key("dk_live_pro_secret_00000b"));
  protocol::user_patch off;
  off.active = false;
  one(identity::patch_user(id, off));
  EXPECT_FALSE(by_key("dk_live_pro_secret_00000b"));
}

TEST_F(IdentityRepositoryTest, OnlyTheOwnerRevokesAKeyAndGetsItsHashOnce) {
  auto owner = user("owner@example.com", "entry");
  auto other = user("other@example.com", "entry");
  auto key = add_key(owner, "dk_live_owner_secret_0001");
  ASSERT_TRUE(key);
  EXPECT_TRUE(one(identity::revoke_key(other, key->key_id)).rows.empty());
  EXPECT_TRUE(by_key("dk_live_owner_secret_0001"));  // still alive
  auto revoked = one(identity::revoke_key(owner, key->key_id));
  ASSERT_EQ(revoked.rows.size(), 1u);
  EXPECT_EQ(revoked.rows[0][0], hash_of("dk_live_owner_secret_0001"));
  EXPECT_TRUE(one(identity::revoke_key(owner, key->key_id)).rows.empty());  // already revoked
  EXPECT_TRUE(one(identity::revoke_key(owner, "00000000-0000-0000-0000-000000000000")).rows.empty());
}

TEST_F(IdentityRepositoryTest, ListsTheOwnersLiveKeysInCreationOrderWithTheTiersLimit) {
  auto id = user("pro@example.com", "professional");
  auto other = user("other@example.com", "professional");
  auto a = add_key(id, "dk_live_pro_secret_00000a", 0, "first");
  auto b = add_key(id, "dk_live_pro_secret_00000b", 7, "second");
  auto c = add_key(id, "dk_live_pro_secret_00000c", 0, "third");
  ASSERT_TRUE(add_key(other, "dk_live_other_secret_0001"));
  ASSERT_TRUE(a && b && c);
  one(identity::revoke_key(id, b->key_id));
  auto page = key_page(id);
  EXPECT_EQ(page.total, 2);
  auto& keys = page.items;
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].key_id, a->key_id);
  EXPECT_EQ(keys[0].name, "first");
  EXPECT_EQ(keys[1].key_id, c->key_id);
  EXPECT_EQ(keys[1].name, "third");
  for (auto& k : keys) {
    EXPECT_EQ(k.rate_limit_per_hour, 500);
    EXPECT_EQ(k.key, "");
    EXPECT_EQ(k.prefix.size(), 16u);
    EXPECT_TRUE(std::regex_match(k.created_at, rfc3339)) << k.created_at;
  }
  auto none = key_page(user("none@example.com", "entry"));
  EXPECT_TRUE(none.items.empty());
  EXPECT_EQ(none.total, 0);
  // pages: the count stays the whole list's; past the end is empty
  auto second = key_page(id, 1, 1);
  EXPECT_EQ(second.total, 2);
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].key_id, c->key_id);
  auto beyond = key_page(id, 10, 5);
  EXPECT_EQ(beyond.total, 2);
  EXPECT_TRUE(beyond.items.empty());
}

// ---- tiers and entitlements ----

TEST_F(IdentityRepositoryTest, SeedsFiveTiersInRankOrderWithTheirNumbersAndFeatures) {
  using features = std::vector<std::string>;
  auto t = tiers();
  ASSERT_EQ(t.tiers.size(), 5u);
  const protocol::tier_view expected[] = {
      {"free", 0, 0, features{"explain"}},
      {"entry", 1, 100, features{"explain", "signals_submit"}},
      {"professional", 3, 500, features{"backtest", "explain", "research_reports", "signals_submit"}},
      {"analyst", 5, 2000,
       features{"backtest", "custom_cohorts", "explain", "research_reports", "signals_submit"}},
      {"research", 10, 10000,
       features{"backtest", "custom_cohorts", "explain", "research_reports", "signals_submit"}},
  };
  for (std::size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(expected[i].tier);
    EXPECT_EQ(t.tiers[i].tier, expected[i].tier);
    EXPECT_EQ(t.tiers[i].api_keys_max, expected[i].api_keys_max);
    EXPECT_EQ(t.tiers[i].rate_limit_per_hour, expected[i].rate_limit_per_hour);
    EXPECT_EQ(t.tiers[i].features, expected[i].features);
    EXPECT_FALSE(t.enabled(expected[i].tier, "market_ingest"));
  }
  EXPECT_EQ(count("SELECT count(*) FROM tier_entitlements WHERE feature = 'market_ingest'"), 5);
}

TEST_F(IdentityRepositoryTest, SetFeatureTogglesOneTiersEntitlement) {
  auto changed = one(identity::set_feature("research", "market_ingest", true));
  ASSERT_EQ(changed.rows.size(), 1u);
  EXPECT_EQ(changed.rows[0][0], "research");
  one(identity::set_feature("free", "explain", false));
  auto t = tiers();
  EXPECT_TRUE(t.enabled("research", "market_ingest"));
  EXPECT_FALSE(t.enabled("analyst", "market_ingest"));
  EXPECT_FALSE(t.enabled("free", "explain"));
  ASSERT_NE(t.find("free"), nullptr);
  EXPECT_TRUE(t.find("free")->features.empty());
  EXPECT_TRUE(t.enabled("entry", "explain"));
}

TEST_F(IdentityRepositoryTest, SetFeatureOfAnUnknownTierOrFeatureChangesNothing) {
  EXPECT_TRUE(one(identity::set_feature("platinum", "explain", true)).rows.empty());
  EXPECT_TRUE(one(identity::set_feature("free", "teleport", true)).rows.empty());
  EXPECT_EQ(count("SELECT count(*) FROM tier_entitlements"), 30);
}

TEST_F(IdentityRepositoryTest, PatchTierChangesOnlyTheGivenNumbers) {
  protocol::tier_patch keys_only;
  keys_only.api_keys_max = 2;
  auto r = one(identity::patch_tier("entry", keys_only));
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][0], "entry");
  auto entry = *tiers().find("entry");
  EXPECT_EQ(entry.api_keys_max, 2);
  EXPECT_EQ(entry.rate_limit_per_hour, 100);

  protocol::tier_patch rate_only;
  rate_only.rate_limit_per_hour = 1000000;
  one(identity::patch_tier("entry", rate_only));
  entry = *tiers().find("entry");
  EXPECT_EQ(entry.api_keys_max, 2);
  EXPECT_EQ(entry.rate_limit_per_hour, 1000000);

  EXPECT_TRUE(one(identity::patch_tier("platinum", keys_only)).rows.empty());
}

TEST_F(IdentityRepositoryTest, APatchedTierAppliesToExistingUsersAndKeys) {
  auto id = user("entry@example.com", "entry");
  ASSERT_TRUE(add_key(id, "dk_live_entry_secret_00001"));
  ASSERT_FALSE(add_key(id, "dk_live_entry_secret_00002"));
  protocol::tier_patch p;
  p.api_keys_max = 2;
  p.rate_limit_per_hour = 250;
  one(identity::patch_tier("entry", p));
  EXPECT_TRUE(add_key(id, "dk_live_entry_secret_00003"));
  for (auto& k : key_page(id).items) EXPECT_EQ(k.rate_limit_per_hour, 250);
}

TEST_F(IdentityRepositoryTest, PatchTierOutOfTheColumnsRangeIsAnErrorNotAChange) {
  protocol::tier_patch negative;
  negative.api_keys_max = -1;
  auto reply = call_and_wait(*pool, identity::patch_tier("entry", negative));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  EXPECT_EQ(tiers().find("entry")->api_keys_max, 1);
}

TEST_F(IdentityRepositoryTest, PatchUserChangesOnlyTheGivenFields) {
  auto id = user("dee@example.com", "free");
  protocol::user_patch p;
  p.tier = std::string{"analyst"};
  auto r = one(identity::patch_user(id, p));
  ASSERT_EQ(r.rows.size(), 1u);
  auto u = identity::to_user(r.rows[0]);
  EXPECT_EQ(u.user_id, id);
  EXPECT_EQ(u.tier, "analyst");
  EXPECT_EQ(u.role, "user");
  EXPECT_TRUE(u.active);

  protocol::user_patch q;
  q.role = std::string{"admin"};
  q.active = false;
  u = identity::to_user(one(identity::patch_user(id, q)).rows.at(0));
  EXPECT_EQ(u.tier, "analyst");
  EXPECT_EQ(u.role, "admin");
  EXPECT_FALSE(u.active);

  u = identity::to_user(one(identity::patch_user(id, protocol::user_patch{})).rows.at(0));
  EXPECT_EQ(u.tier, "analyst");
  EXPECT_EQ(u.role, "admin");
  EXPECT_FALSE(u.active);
}

TEST_F(IdentityRepositoryTest, PatchUserOfAnUnknownUserReturnsNoRow) {
  user("dee@example.com");
  protocol::user_patch p;
  p.tier = std::string{"entry"};
  EXPECT_TRUE(one(identity::patch_user("00000000-0000-0000-0000-000000000000", p)).rows.empty());
}

TEST_F(IdentityRepositoryTest, PatchUserToAnUnknownTierOrRoleIsAConstraintFailure) {
  auto id = user("dee@example.com");
  protocol::user_patch tier;
  tier.tier = std::string{"platinum"};
  auto reply = call_and_wait(*pool, identity::patch_user(id, tier));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  protocol::user_patch role;
  role.role = std::string{"root"};
  reply = call_and_wait(*pool, identity::patch_user(id, role));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
}
