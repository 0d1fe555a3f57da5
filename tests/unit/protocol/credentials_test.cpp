// protocol/credentials.hpp and protocol/auth.hpp: SHA-256 hex against known
// vectors, constant-time secret comparison, and the entitlement table lookup.
#include "protocol/auth.hpp"
#include "protocol/credentials.hpp"

#include <gtest/gtest.h>

using namespace delta::protocol;

TEST(Sha256Hex, MatchesTheKnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Hex, HashesEmbeddedNulBytesToo) {
  EXPECT_NE(sha256_hex(std::string_view{"a\0b", 3}), sha256_hex("a"));
  EXPECT_EQ(sha256_hex(std::string_view{"a\0b", 3}).size(), 64u);
}

TEST(SecretFormats, AreTheDocumentedSchemes) {
  EXPECT_EQ(api_key_scheme, "dk_live_");
  EXPECT_EQ(session_token_scheme, "ds_");
  EXPECT_EQ(api_key_prefix_length, 16u);
}

TEST(EntitlementTable, EnablesAFeatureOnlyForTiersListingIt) {
  entitlement_table t;
  t.tiers = {{"free", 0, 0, {"explain"}},
             {"entry", 1, 100, {"explain", "signals_submit"}},
             {"research", 10, 10000, {}}};
  EXPECT_TRUE(t.enabled("free", "explain"));
  EXPECT_FALSE(t.enabled("free", "signals_submit"));
  EXPECT_TRUE(t.enabled("entry", "signals_submit"));
  EXPECT_FALSE(t.enabled("research", "explain"));
  EXPECT_FALSE(t.enabled("platinum", "explain"));  // unknown tier
  EXPECT_FALSE(t.enabled("entry", "market_ingest"));
  EXPECT_FALSE(t.enabled("entry", ""));
  ASSERT_NE(t.find("entry"), nullptr);
  EXPECT_EQ(t.find("entry")->rate_limit_per_hour, 100);
  EXPECT_EQ(t.find("platinum"), nullptr);
  EXPECT_FALSE(entitlement_table{}.enabled("free", "explain"));
}
