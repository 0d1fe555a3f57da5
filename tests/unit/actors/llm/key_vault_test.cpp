// actors/llm/key_vault.hpp: sealed keys open only under the key that sealed
// them, the stored text never contains the key, and bad configuration is refused.
#include "actors/llm/key_vault.hpp"

#include <gtest/gtest.h>

using delta::llm::key_vault;

namespace {
const std::string key_a(64, 'a');
const std::string key_b = std::string(63, 'b') + "c";
}  // namespace

TEST(KeyVault, SealedKeysOpenUnderTheSameKey) {
  auto vault = key_vault::from_hex(key_a);
  ASSERT_TRUE(vault && vault->configured());
  auto sealed = vault->seal("sk-live-0123456789");
  EXPECT_EQ(sealed.rfind("v1:", 0), 0u);
  EXPECT_EQ(sealed.find("sk-live"), std::string::npos);
  EXPECT_EQ(vault->open(sealed), std::optional<std::string>{"sk-live-0123456789"});
}

TEST(KeyVault, EachSealUsesAFreshNonce) {
  auto vault = key_vault::from_hex(key_a);
  EXPECT_NE(vault->seal("same"), vault->seal("same"));
}

TEST(KeyVault, AnotherVaultKeyOrATamperedTextDoesNotOpen) {
  auto a = key_vault::from_hex(key_a);
  auto b = key_vault::from_hex(key_b);
  auto sealed = a->seal("secret");
  EXPECT_FALSE(b->open(sealed));
  auto tampered = sealed;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(a->open(tampered));
  EXPECT_FALSE(a->open("v1:"));
  EXPECT_FALSE(a->open("v2:abc"));
  EXPECT_FALSE(a->open("not base64 at all"));
}

TEST(KeyVault, RefusesMalformedKeysAndAnEmptyKeyCannotSeal) {
  EXPECT_FALSE(key_vault::from_hex("abc"));
  EXPECT_FALSE(key_vault::from_hex(std::string(64, 'z')));
  auto empty = key_vault::from_hex("");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->configured());
  EXPECT_FALSE(empty->open(key_vault::from_hex(key_a)->seal("x")));
}
