// http/authorization.hpp: the one decision every route's declared
// requirement goes through — auth none/any/session/admin against anonymous,
// session and API-key callers of every role (admin routes: the admin role
// only, not internal service accounts), then tier lists and features from the
// entitlement table; staff (admin, internal) pass tier and feature checks.
#include "http/authorization.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

using namespace delta::http;
using delta::protocol::entitlement_table;
using delta::protocol::principal;

namespace {

route with_auth(auth_mode mode) {
  route r;
  r.method = "GET";
  r.pattern = "/test";
  r.auth = mode;
  return r;
}

principal caller(std::string method, std::string role, std::string tier = "entry") {
  principal p;
  p.user_id = "u-1";
  p.tier = std::move(tier);
  p.role = std::move(role);
  p.auth_method = std::move(method);
  if (p.auth_method == "api_key") p.key_prefix = "dk_live_abcdefgh";
  return p;
}

std::string name(verdict v) {
  switch (v) {
    case verdict::allow: return "allow";
    case verdict::unauthenticated: return "unauthenticated";
    case verdict::forbidden: return "forbidden";
    case verdict::not_entitled: return "not_entitled";
  }
  return "?";
}

entitlement_table table() {
  entitlement_table t;
  t.tiers = {{"free", 0, 0, {"explain"}},
             {"entry", 1, 100, {"explain", "signals_submit"}},
             {"professional", 3, 500, {"backtest", "explain", "research_reports", "signals_submit"}}};
  return t;
}

}  // namespace

TEST(Authorize, FollowsTheFullTableOfAuthModesCallersAndRoles) {
  const auto v_allow = verdict::allow, v_unauth = verdict::unauthenticated,
             v_forbid = verdict::forbidden;
  struct row {
    const char* method;  // nullptr: anonymous
    const char* role;
    verdict none, any, session, admin;
  };
  const row rows[] = {
      {nullptr, "", v_allow, v_unauth, v_unauth, v_unauth},
      {"session", "user", v_allow, v_allow, v_allow, v_forbid},
      {"session", "admin", v_allow, v_allow, v_allow, v_allow},
      {"session", "internal", v_allow, v_allow, v_allow, v_forbid},
      {"api_key", "user", v_allow, v_allow, v_unauth, v_forbid},
      {"api_key", "admin", v_allow, v_allow, v_unauth, v_allow},
      {"api_key", "internal", v_allow, v_allow, v_unauth, v_forbid},
  };
  auto t = table();
  for (auto& r : rows) {
    std::optional<principal> who;
    if (r.method) who = caller(r.method, r.role);
    const principal* p = who ? &*who : nullptr;
    std::string label = std::string{r.method ? r.method : "anonymous"} + "/" + r.role;
    EXPECT_EQ(name(authorize(with_auth(auth_mode::none), p, &t)), name(r.none)) << label << " on none";
    EXPECT_EQ(name(authorize(with_auth(auth_mode::any), p, &t)), name(r.any)) << label << " on any";
    EXPECT_EQ(name(authorize(with_auth(auth_mode::session), p, &t)), name(r.session))
        << label << " on session";
    EXPECT_EQ(name(authorize(with_auth(auth_mode::admin), p, &t)), name(r.admin)) << label << " on admin";
  }
}

TEST(Authorize, ASessionRouteCalledWithAnApiKeyIsUnauthenticated) {
  auto key = caller("api_key", "user");
  EXPECT_EQ(authorize(with_auth(auth_mode::session), &key, nullptr), verdict::unauthenticated);
  auto admin_key = caller("api_key", "admin");
  EXPECT_EQ(authorize(with_auth(auth_mode::session), &admin_key, nullptr), verdict::unauthenticated);
}

TEST(Authorize, ATierListAdmitsOnlyTheListedTiers) {
  auto rt = with_auth(auth_mode::any);
  rt.tiers = {"professional", "analyst"};
  auto t = table();
  for (auto method : {"session", "api_key"}) {
    auto pro = caller(method, "user", "professional");
    auto analyst = caller(method, "user", "analyst");
    auto entry = caller(method, "user", "entry");
    auto unknown = caller(method, "user", "platinum");
    EXPECT_EQ(authorize(rt, &pro, &t), verdict::allow) << method;
    EXPECT_EQ(authorize(rt, &analyst, &t), verdict::allow) << method;
    EXPECT_EQ(authorize(rt, &entry, &t), verdict::not_entitled) << method;
    EXPECT_EQ(authorize(rt, &unknown, &t), verdict::not_entitled) << method;
  }
  EXPECT_EQ(authorize(rt, nullptr, &t), verdict::unauthenticated);  // authentication first
}

TEST(Authorize, AFeatureIsAllowedOnlyWhenTheTableEnablesItForTheCallersTier) {
  auto rt = with_auth(auth_mode::any);
  rt.feature = "signals_submit";
  auto t = table();
  auto free = caller("session", "user", "free");
  auto entry = caller("api_key", "user", "entry");
  auto pro = caller("session", "user", "professional");
  auto unknown = caller("session", "user", "platinum");
  EXPECT_EQ(authorize(rt, &entry, &t), verdict::allow);
  EXPECT_EQ(authorize(rt, &pro, &t), verdict::allow);
  EXPECT_EQ(authorize(rt, &free, &t), verdict::not_entitled);      // disabled for free
  EXPECT_EQ(authorize(rt, &unknown, &t), verdict::not_entitled);   // tier not in the table
  EXPECT_EQ(authorize(rt, &entry, nullptr), verdict::not_entitled);  // no table yet: deny
  rt.feature = "custom_cohorts";                                   // a feature no tier has
  EXPECT_EQ(authorize(rt, &pro, &t), verdict::not_entitled);
}

TEST(Authorize, TierAndFeatureMustBothPass) {
  auto rt = with_auth(auth_mode::any);
  rt.tiers = {"free", "entry"};
  rt.feature = "signals_submit";
  auto t = table();
  auto free = caller("session", "user", "free");
  auto entry = caller("session", "user", "entry");
  auto pro = caller("session", "user", "professional");
  EXPECT_EQ(authorize(rt, &entry, &t), verdict::allow);
  EXPECT_EQ(authorize(rt, &free, &t), verdict::not_entitled);  // tier ok, feature off
  EXPECT_EQ(authorize(rt, &pro, &t), verdict::not_entitled);   // feature on, tier not listed
}

TEST(Authorize, StaffPassTierAndFeatureChecks) {
  auto rt = with_auth(auth_mode::any);
  rt.tiers = {"research"};
  rt.feature = "market_ingest";
  auto t = table();
  for (auto role : {"admin", "internal"}) {
    for (auto method : {"session", "api_key"}) {
      auto staff = caller(method, role, "free");
      EXPECT_EQ(authorize(rt, &staff, &t), verdict::allow) << role << " " << method;
      EXPECT_EQ(authorize(rt, &staff, nullptr), verdict::allow) << role << " " << method;
    }
  }
  auto user = caller("session", "user", "research");
  EXPECT_EQ(authorize(rt, &user, &t), verdict::not_entitled);
}

TEST(Authorize, TierAndFeatureChecksApplyOnSessionRoutesToo) {
  auto rt = with_auth(auth_mode::session);
  rt.feature = "backtest";
  auto t = table();
  auto entry = caller("session", "user", "entry");
  auto pro = caller("session", "user", "professional");
  EXPECT_EQ(authorize(rt, &entry, &t), verdict::not_entitled);
  EXPECT_EQ(authorize(rt, &pro, &t), verdict::allow);
}

TEST(Authorize, AnUnknownRoleIsNotStaff) {
  auto odd = caller("session", "superuser");
  EXPECT_FALSE(is_staff(odd));
  EXPECT_EQ(authorize(with_auth(auth_mode::admin), &odd, nullptr), verdict::forbidden);
  EXPECT_TRUE(is_staff(caller("session", "admin")));
  EXPECT_TRUE(is_staff(caller("api_key", "internal")));
  EXPECT_FALSE(is_staff(caller("session", "user")));
}

TEST(UsesCredentials, OnlyWhenTheRouteNeedsAPrincipalOrChargesABucket) {
  EXPECT_FALSE(uses_credentials(with_auth(auth_mode::none)));  // a probe: /ready, /health/detailed
  for (auto mode : {auth_mode::any, auth_mode::session, auth_mode::admin})
    EXPECT_TRUE(uses_credentials(with_auth(mode)));
  auto limited = with_auth(auth_mode::none);
  limited.rate_group = "platform";  // anonymous allowed, but a key is charged to its own bucket
  EXPECT_TRUE(uses_credentials(limited));
  auto featured = with_auth(auth_mode::none);
  featured.feature = "explain";
  EXPECT_TRUE(uses_credentials(featured));
}
