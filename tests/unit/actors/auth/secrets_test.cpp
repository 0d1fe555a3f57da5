// actors/auth/secrets.hpp: argon2id passwords and random secrets. Each hash
// costs ~0.1 s of CPU and 64 MiB, so the tests hash only a few times.
#include "actors/auth/secrets.hpp"

#include "protocol/credentials.hpp"

#include <gtest/gtest.h>

#include <cctype>

using namespace delta::auth;

namespace {

bool is_base64url(const std::string& s) {
  for (unsigned char c : s)
    if (!std::isalnum(c) && c != '-' && c != '_') return false;
  return true;
}

}  // namespace

TEST(Secrets, VerifiesTheRightPasswordAgainstItsArgon2idHashAndRejectsAWrongOne) {
  init_sodium();
  auto hash = hash_password("correct horse battery staple");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_EQ(hash.find("correct horse"), std::string::npos);
  EXPECT_TRUE(verify_password(hash, "correct horse battery staple"));
  EXPECT_FALSE(verify_password(hash, "correct horse battery stapl"));
  EXPECT_FALSE(verify_password(hash, ""));
}

TEST(Secrets, SaltsEveryHashSoTheSamePasswordHashesDifferently) {
  init_sodium();
  auto a = hash_password("same password 123");
  auto b = hash_password("same password 123");
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password(b, "same password 123"));
}

TEST(Secrets, VerifyingAgainstAGarbageHashIsFalseNotACrash) {
  init_sodium();
  EXPECT_FALSE(verify_password("", "password"));
  EXPECT_FALSE(verify_password("not a hash at all", "password"));
  EXPECT_FALSE(verify_password("$argon2id$v=19$m=65536,t=2,p=1$garbage", "password"));
  EXPECT_FALSE(verify_password(std::string(500, '$'), "password"));
}

TEST(Secrets, RandomSecretsAreTheSchemeAnd43Base64UrlCharacters) {
  auto key = random_secret(delta::protocol::api_key_scheme);
  ASSERT_EQ(key.rfind("dk_live_", 0), 0u) << key;
  auto body = key.substr(8);
  EXPECT_EQ(body.size(), 43u) << key;
  EXPECT_TRUE(is_base64url(body)) << key;

  auto token = random_secret(delta::protocol::session_token_scheme);
  ASSERT_EQ(token.rfind("ds_", 0), 0u) << token;
  EXPECT_EQ(token.size(), 3u + 43u) << token;
  EXPECT_TRUE(is_base64url(token.substr(3))) << token;
}

TEST(Secrets, TwoRandomSecretsDiffer) {
  EXPECT_NE(random_secret("dk_live_"), random_secret("dk_live_"));
  EXPECT_NE(random_secret("ds_"), random_secret("ds_"));
}

TEST(Secrets, TheDecoyHashVerifiesNoChosenPassword) {
  auto& decoy = decoy_password_hash();
  EXPECT_EQ(decoy.rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(&decoy, &decoy_password_hash());  // computed once
  EXPECT_FALSE(verify_password(decoy, "password1234"));
}
