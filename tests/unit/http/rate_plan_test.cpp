// http/rate_plan.hpp: which bucket a request is charged to and which limits
// apply (ip / user / key, plus the route's group), and the RateLimit-*
// headers of a decision.
#include "http/rate_plan.hpp"

#include <gtest/gtest.h>

using namespace delta::http;
using delta::protocol::admit_decision;
using delta::protocol::entitlement_table;
using delta::protocol::limit_kind;
using delta::protocol::limit_spec;
using delta::protocol::principal;

namespace {

route limited(std::string group) {
  route r;
  r.method = "GET";
  r.pattern = "/test";
  r.auth = auth_mode::any;
  r.rate_group = std::move(group);
  return r;
}

rate_settings settings() {
  rate_settings s;
  s.base.ip_per_minute = 60;
  s.base.ip_burst = 120;
  s.base.user_per_minute = 600;
  s.base.user_burst = 1200;
  s.groups = {{"explain", 10, 20}, {"signals.submit", 120, 240}};
  return s;
}

entitlement_table table() {
  entitlement_table t;
  t.tiers = {{"free", 0, 0, {"explain"}}, {"entry", 1, 100, {"explain"}}, {"research", 10, 10000, {}}};
  return t;
}

principal session_user() {
  principal p;
  p.user_id = "9f1c";
  p.tier = "entry";
  p.role = "user";
  p.auth_method = "session";
  return p;
}

principal api_key(std::string tier = "entry") {
  principal p;
  p.user_id = "9f1c";
  p.tier = std::move(tier);
  p.role = "user";
  p.auth_method = "api_key";
  p.key_id = "k-1";
  p.key_prefix = "dk_live_ab12cd34";
  return p;
}

void expect_limit(const limit_spec& l, const std::string& name, limit_kind kind, std::int64_t count,
                  std::int64_t period_ms, std::int64_t burst) {
  EXPECT_EQ(l.name, name);
  EXPECT_EQ(l.kind, kind) << name;
  EXPECT_EQ(l.count, count) << name;
  EXPECT_EQ(l.period_ms, period_ms) << name;
  if (kind == limit_kind::gcra) {
    EXPECT_EQ(l.burst, burst) << name;
  }
}

const std::string* header(const header_list& h, const std::string& name) {
  for (auto& [n, v] : h)
    if (n == name) return &v;
  return nullptr;
}

}  // namespace

TEST(PlanFor, LeavesARouteWithoutRateGroupUnlimited) {
  auto rt = limited("");
  auto t = table();
  auto key = api_key();
  EXPECT_FALSE(plan_for(rt, nullptr, "203.0.113.7", settings(), &t));
  EXPECT_FALSE(plan_for(rt, &key, "203.0.113.7", settings(), &t));
}

TEST(PlanFor, ChargesAnonymousCallersToTheirIpWithTheIpRate) {
  auto t = table();
  auto plan = plan_for(limited("market.read"), nullptr, "203.0.113.7", settings(), &t);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->family, bucket_family::ip);
  EXPECT_EQ(plan->bucket_key, "ip:203.0.113.7");
  ASSERT_EQ(plan->request.limits.size(), 1u);
  expect_limit(plan->request.limits[0], "rate", limit_kind::gcra, 60, 60000, 120);
  EXPECT_EQ(plan->request.cost, 1);
}

TEST(PlanFor, ChargesSessionUsersToTheirUserWithTheUserRate) {
  auto t = table();
  auto who = session_user();
  auto plan = plan_for(limited("market.read"), &who, "203.0.113.7", settings(), &t);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->family, bucket_family::user);
  EXPECT_EQ(plan->bucket_key, "user:9f1c");
  ASSERT_EQ(plan->request.limits.size(), 1u);
  expect_limit(plan->request.limits[0], "rate", limit_kind::gcra, 600, 60000, 1200);
}

TEST(PlanFor, ChargesApiKeysToTheKeyWithTheTiersHourlyQuota) {
  auto t = table();
  auto who = api_key("entry");
  auto plan = plan_for(limited("market.read"), &who, "203.0.113.7", settings(), &t);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->family, bucket_family::key);
  EXPECT_EQ(plan->bucket_key, "key:dk_live_ab12cd34");
  ASSERT_EQ(plan->request.limits.size(), 1u);
  expect_limit(plan->request.limits[0], "quota", limit_kind::hourly_quota, 100, 3600000, 0);

  auto research = api_key("research");
  plan = plan_for(limited("market.read"), &research, "203.0.113.7", settings(), &t);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->request.limits[0].count, 10000);
}

TEST(PlanFor, GivesAnApiKeyOfAnUnknownTierOrWithoutTableAQuotaOfZero) {
  auto t = table();
  auto who = api_key("platinum");
  auto plan = plan_for(limited("market.read"), &who, "203.0.113.7", settings(), &t);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->request.limits.size(), 1u);
  EXPECT_EQ(plan->request.limits[0].count, 0);
  auto entry = api_key("entry");
  plan = plan_for(limited("market.read"), &entry, "203.0.113.7", settings(), nullptr);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->request.limits[0].count, 0);
}

TEST(PlanFor, AddsTheRoutesConfiguredGroupLimitForEveryKindOfCaller) {
  auto t = table();
  auto user = session_user();
  auto key = api_key();
  for (const principal* who : std::vector<const principal*>{nullptr, &user, &key}) {
    auto plan = plan_for(limited("explain"), who, "203.0.113.7", settings(), &t);
    ASSERT_TRUE(plan);
    ASSERT_EQ(plan->request.limits.size(), 2u) << plan->bucket_key;
    expect_limit(plan->request.limits[1], "group:explain", limit_kind::gcra, 10, 60000, 20);
  }
  auto plan = plan_for(limited("signals.submit"), &user, "203.0.113.7", settings(), &t);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->request.limits.size(), 2u);
  expect_limit(plan->request.limits[1], "group:signals.submit", limit_kind::gcra, 120, 60000, 240);
  EXPECT_EQ(plan->bucket_key, "user:9f1c");  // the group is a limit inside the same bucket
}

TEST(PlanFor, AddsNoGroupLimitForAGroupWithoutConfiguration) {
  auto t = table();
  auto plan = plan_for(limited("market.read"), nullptr, "::1", settings(), &t);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->bucket_key, "ip:::1");
  EXPECT_EQ(plan->request.limits.size(), 1u);
}

TEST(RateHeaders, NameLimitRemainingAndResetOnAnAdmission) {
  admit_decision d;
  d.allowed = true;
  d.limit = 100;
  d.remaining = 42;
  d.reset_seconds = 3600;
  auto h = rate_headers(d);
  ASSERT_EQ(h.size(), 3u);
  ASSERT_TRUE(header(h, "RateLimit-Limit"));
  EXPECT_EQ(*header(h, "RateLimit-Limit"), "100");
  EXPECT_EQ(*header(h, "RateLimit-Remaining"), "42");
  EXPECT_EQ(*header(h, "RateLimit-Reset"), "3600");
  EXPECT_FALSE(header(h, "Retry-After"));
}

TEST(RateHeaders, AddRetryAfterOfAtLeastOneSecondOnARejection) {
  admit_decision d;
  d.allowed = false;
  d.limit = 100;
  d.remaining = 0;
  d.reset_seconds = 3599;
  d.retry_after_seconds = 17;
  auto h = rate_headers(d);
  ASSERT_EQ(h.size(), 4u);
  ASSERT_TRUE(header(h, "Retry-After"));
  EXPECT_EQ(*header(h, "Retry-After"), "17");
  EXPECT_EQ(*header(h, "RateLimit-Remaining"), "0");
  d.retry_after_seconds = 0;
  EXPECT_EQ(*header(rate_headers(d), "Retry-After"), "1");
}
