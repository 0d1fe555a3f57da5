// config/settings.hpp: every key declared secret is hidden by
// `deltad config --print` (print_redacted) and by the message about an
// invalid value, whatever kind of secret it is.
#include "config/settings.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace cfg = delta::config;

namespace {

// A valid value for a secret key, and its part that must never be shown.
struct sample {
  std::string value;
  std::string secret;
};

// Shapes of secret values: a key that accepts none of them needs a new one
// here (the test says which).
const sample samples[] = {
    {"postgresql://delta:Sampl3-S3cret-Pw@db.example.com:5432/delta", "Sampl3-S3cret-Pw"},
    {"5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7", "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7"},
};

std::optional<sample> accepted_sample(const std::string& key) {
  for (auto& s : samples) {
    cfg::sources src;
    src.flags[key] = s.value;
    try {
      cfg::load(src);
      return s;
    } catch (const cfg::config_error&) {
    }
  }
  return std::nullopt;
}

std::string line_of(const std::string& printed, const std::string& key) {
  auto name = key.substr(key.find('.') + 1) + " = ";
  auto section = "[" + key.substr(0, key.find('.')) + "]\n";
  auto at = printed.find(name, printed.find(section));
  return at == std::string::npos ? "" : printed.substr(at, printed.find('\n', at) - at);
}

}  // namespace

TEST(SecretKeys, IncludeTheDatabaseUrlAndTheKeyEncryptionKey) {
  auto keys = cfg::secret_keys();
  auto has = [&](const std::string& k) {
    for (auto& [key, kind] : keys)
      if (key == k) return true;
    return false;
  };
  EXPECT_TRUE(has("database.url"));
  EXPECT_TRUE(has("llm.key_encryption_key"));
}

TEST(SecretKeys, EverySecretKeyIsPrintedAsStarsNeverInClear) {
  for (auto& [key, kind] : cfg::secret_keys()) {
    SCOPED_TRACE(key);
    auto s = accepted_sample(key);
    ASSERT_TRUE(s) << "no sample value fits secret key " << key << ": add one to `samples`";
    cfg::sources src;
    src.flags[key] = s->value;
    auto printed = cfg::print_redacted(cfg::load(src));
    EXPECT_EQ(printed.find(s->secret), std::string::npos) << printed;
    auto line = line_of(printed, key);
    EXPECT_NE(line.find("***"), std::string::npos) << line;
  }
}

TEST(SecretKeys, AnInvalidValueOfASecretKeyIsNotEchoed) {
  for (auto& [key, kind] : cfg::secret_keys()) {
    cfg::sources src;
    src.flags[key] = "not valid hunter2-s3cret";
    try {
      cfg::load(src);
      ADD_FAILURE() << key << " accepted an invalid value";
    } catch (const cfg::config_error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(key), std::string::npos) << msg;
      EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
    }
  }
}

TEST(SecretKeys, AnEmptyKeyEncryptionKeyPrintsEmpty) {
  // Nothing is configured, so nothing is hidden: an operator sees it is unset.
  EXPECT_EQ(line_of(cfg::print_redacted(cfg::load({})), "llm.key_encryption_key"), "key_encryption_key = \"\"");
}
