#include "cmd/deltactl/credentials.hpp"

#include <gtest/gtest.h>

using namespace delta::ctl;

TEST(DeltactlCredentials, KeepsOneCredentialPerUrlAndReadsBackWhatItWrote) {
  credential_store store;
  store.put("http://127.0.0.1:8080", {credential::kind::session, "tok", "a@b.c", "2026-11-23T10:00:00Z"});
  store.put("https://delta.example.com", {credential::kind::api_key, "dk_live_x", "", ""});
  store.put("http://127.0.0.1:8080", {credential::kind::session, "newer", "a@b.c", ""});

  auto read = credential_store::parse(store.serialize());
  ASSERT_TRUE(read);
  auto* session = read->find("http://127.0.0.1:8080");
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->type, credential::kind::session);
  EXPECT_EQ(session->secret, "newer");
  EXPECT_EQ(session->email, "a@b.c");
  EXPECT_EQ(session->expires_at, "");
  auto* key = read->find("https://delta.example.com");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->type, credential::kind::api_key);
  EXPECT_EQ(read->find("http://127.0.0.1:9090"), nullptr);
}

TEST(DeltactlCredentials, ErasingTheLastOneLeavesAnEmptyStore) {
  credential_store store;
  store.put("u", {credential::kind::session, "t", "", ""});
  EXPECT_FALSE(store.erase("other"));
  EXPECT_TRUE(store.erase("u"));
  EXPECT_TRUE(store.empty());
}

TEST(DeltactlCredentials, RefusesADocumentItDidNotWrite) {
  for (auto* text : {"", "not json", "[]", R"({"credentials":{}})", R"({"version":2,"credentials":{}})",
                     R"({"version":1,"credentials":[]})", R"({"version":1,"credentials":{"u":{"kind":"cookie","secret":"s"}}})",
                     R"({"version":1,"credentials":{"u":{"kind":"session","secret":""}}})",
                     R"({"version":1,"credentials":{"u":"s"}})"}) {
    EXPECT_FALSE(credential_store::parse(text)) << text;
  }
  EXPECT_TRUE(credential_store::parse(R"({"version":1,"credentials":{}})"));
}

TEST(DeltactlCredentials, SendsASessionAsBearerAndAKeyAsXApiKey) {
  EXPECT_EQ(auth_header({credential::kind::session, "tok", "", ""}),
            (std::pair<std::string, std::string>{"Authorization", "Bearer tok"}));
  EXPECT_EQ(auth_header({credential::kind::api_key, "dk_live_x", "", ""}),
            (std::pair<std::string, std::string>{"X-API-Key", "dk_live_x"}));
}
