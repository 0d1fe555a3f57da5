// http/credentials.hpp: which credential a request presents. X-API-Key wins
// over Authorization; Bearer in any case; anything else is malformed; the
// secret is hashed (SHA-256 hex) at once.
#include "http/credentials.hpp"

#include "protocol/credentials.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace delta::http;
using kind = presented_credential::kind;

namespace {

request with_headers(header_list headers) {
  request r;
  r.method = "GET";
  r.path = "/api/v2/users/me";
  r.headers = std::move(headers);
  return r;
}

const std::string key = "dk_live_0123456789abcdefghijABCDEFGHIJ-_0123456";
const std::string token = "ds_0123456789abcdefghijABCDEFGHIJ-_0123456";

}  // namespace

TEST(CredentialOf, FindsNoneWithoutCredentialHeaders) {
  auto c = credential_of(with_headers({{"accept", "application/json"}}));
  EXPECT_EQ(c.type, kind::none);
  EXPECT_TRUE(c.hash.empty());
}

TEST(CredentialOf, HashesAnApiKeyWithSha256Hex) {
  auto c = credential_of(with_headers({{"x-api-key", key}}));
  EXPECT_EQ(c.type, kind::api_key);
  EXPECT_EQ(c.hash, delta::protocol::sha256_hex(key));
  EXPECT_EQ(c.hash.size(), 64u);
  EXPECT_EQ(c.hash.find(key), std::string::npos);
}

TEST(CredentialOf, HashesABearerTokenAsASession) {
  auto c = credential_of(with_headers({{"authorization", "Bearer " + token}}));
  EXPECT_EQ(c.type, kind::session);
  EXPECT_EQ(c.hash, delta::protocol::sha256_hex(token));
}

TEST(CredentialOf, AcceptsTheBearerSchemeInAnyCase) {
  for (auto scheme : {"Bearer ", "bearer ", "BEARER ", "bEaReR "}) {
    auto c = credential_of(with_headers({{"authorization", scheme + token}}));
    EXPECT_EQ(c.type, kind::session) << scheme;
    EXPECT_EQ(c.hash, delta::protocol::sha256_hex(token)) << scheme;
  }
}

TEST(CredentialOf, SkipsExtraSpacesAfterTheScheme) {
  auto c = credential_of(with_headers({{"authorization", "Bearer    " + token}}));
  EXPECT_EQ(c.type, kind::session);
  EXPECT_EQ(c.hash, delta::protocol::sha256_hex(token));
}

TEST(CredentialOf, PrefersTheApiKeyWhenBothArePresent) {
  for (auto order : {0, 1}) {
    header_list h{{"authorization", "Bearer " + token}, {"x-api-key", key}};
    if (order) std::swap(h[0], h[1]);
    auto c = credential_of(with_headers(h));
    EXPECT_EQ(c.type, kind::api_key) << order;
    EXPECT_EQ(c.hash, delta::protocol::sha256_hex(key)) << order;
  }
}

TEST(CredentialOf, AMalformedApiKeyIsMalformedEvenWithAValidBearerToken) {
  auto c = credential_of(with_headers({{"x-api-key", ""}, {"authorization", "Bearer " + token}}));
  EXPECT_EQ(c.type, kind::malformed);
  EXPECT_TRUE(c.hash.empty());
}

TEST(CredentialOf, RejectsOtherAuthorizationSchemesAsMalformed) {
  for (std::string value : std::vector<std::string>{"Basic dXNlcjpwYXNz", "Token " + token, "Bearer", "Bearer ",
                            "Bearer" + token, "Digest username=x", token}) {
    auto c = credential_of(with_headers({{"authorization", value}}));
    EXPECT_EQ(c.type, kind::malformed) << value;
    EXPECT_TRUE(c.hash.empty()) << value;
  }
}

TEST(CredentialOf, RejectsEmptyOverlongAndControlCharacterSecrets) {
  std::string at_limit(256, 'a');
  std::string over_limit(257, 'a');
  EXPECT_EQ(credential_of(with_headers({{"x-api-key", at_limit}})).type, kind::api_key);
  EXPECT_EQ(credential_of(with_headers({{"authorization", "Bearer " + at_limit}})).type,
            kind::session);
  for (std::string bad : {std::string{}, over_limit, std::string{"dk_live_a\tb"},
                          std::string{"dk_live_a b"}, std::string{"dk_live_\x01"},
                          std::string{"dk_live_\x7f"}, std::string{"dk_live_\xc3\xa9"},
                          std::string{"dk_live_a\0b", 11}}) {
    EXPECT_EQ(credential_of(with_headers({{"x-api-key", bad}})).type, kind::malformed)
        << "x-api-key of " << bad.size() << " bytes";
    EXPECT_EQ(credential_of(with_headers({{"authorization", "Bearer " + bad}})).type,
              kind::malformed)
        << "bearer of " << bad.size() << " bytes";
  }
}
