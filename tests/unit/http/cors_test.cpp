// http/cors.hpp: exact-origin allowlist, response decoration, preflight.
#include "http/cors.hpp"

#include <gtest/gtest.h>

#include <optional>

using namespace delta::http;

namespace {

std::optional<std::string> header_of(const response& res, const std::string& name) {
  for (auto& [n, v] : res.headers)
    if (n == name) return v;
  return std::nullopt;
}

int count_of(const response& res, const std::string& name) {
  int n = 0;
  for (auto& h : res.headers) n += h.first == name;
  return n;
}

request preflight_request(const std::string& origin, const std::string& method = "GET") {
  request req;
  req.method = "OPTIONS";
  req.path = "/api/v2/market/securities";
  req.headers = {{"origin", origin}, {"access-control-request-method", method}};
  return req;
}

const cors_policy policy{{"https://app.example.com", "http://localhost:3000"}};

}  // namespace

TEST(CorsPolicy, AllowsExactOriginsOnly) {
  EXPECT_TRUE(policy.allows("https://app.example.com"));
  EXPECT_TRUE(policy.allows("http://localhost:3000"));
  for (auto other : {"https://evil.example.com", "http://app.example.com", "https://app.example.com/",
                     "https://app.example.com:443", "https://APP.example.com",
                     "https://app.example.com.evil.com", "http://localhost:3001", "null", "*", ""})
    EXPECT_FALSE(policy.allows(other)) << other;
}

TEST(CorsPolicy, DecoratesAllowedOriginsWithVaryAndAllowOrigin) {
  response res;
  std::string origin = "https://app.example.com";
  policy.decorate(&origin, res);
  EXPECT_EQ(header_of(res, "Vary"), "Origin");
  EXPECT_EQ(header_of(res, "Access-Control-Allow-Origin"), "https://app.example.com");
  auto exposed = header_of(res, "Access-Control-Expose-Headers");
  ASSERT_TRUE(exposed);
  EXPECT_NE(exposed->find("X-Request-ID"), std::string::npos);
  EXPECT_NE(exposed->find("Retry-After"), std::string::npos);
}

TEST(CorsPolicy, AddsOnlyVaryForOtherOrigins) {
  response res;
  std::string origin = "https://evil.example.com";
  policy.decorate(&origin, res);
  EXPECT_EQ(header_of(res, "Vary"), "Origin");
  EXPECT_EQ(count_of(res, "Access-Control-Allow-Origin"), 0);
  EXPECT_EQ(count_of(res, "Access-Control-Expose-Headers"), 0);

  response no_origin;
  policy.decorate(nullptr, no_origin);
  EXPECT_EQ(header_of(no_origin, "Vary"), "Origin");
  EXPECT_EQ(count_of(no_origin, "Access-Control-Allow-Origin"), 0);
}

TEST(CorsPolicy, AddsNothingWhenCorsIsNotConfigured) {
  cors_policy off{{}};
  response res;
  std::string origin = "https://app.example.com";
  off.decorate(&origin, res);
  EXPECT_TRUE(res.headers.empty());
  EXPECT_FALSE(off.allows(origin));
}

TEST(CorsPolicy, RecognisesPreflightRequests) {
  EXPECT_TRUE(cors_policy::is_preflight(preflight_request("https://app.example.com")));
  auto no_method = preflight_request("https://app.example.com");
  no_method.headers.pop_back();
  EXPECT_FALSE(cors_policy::is_preflight(no_method));
  auto not_options = preflight_request("https://app.example.com");
  not_options.method = "GET";
  EXPECT_FALSE(cors_policy::is_preflight(not_options));
  auto no_origin = preflight_request("https://app.example.com");
  no_origin.headers.erase(no_origin.headers.begin());
  EXPECT_FALSE(cors_policy::is_preflight(no_origin));
}

TEST(CorsPolicy, AnswersAnAllowedPreflightWithMethodsHeadersAndMaxAge) {
  auto res = policy.preflight(preflight_request("https://app.example.com", "POST"), {"GET", "POST"});
  EXPECT_EQ(res.status, 204);
  EXPECT_TRUE(res.body.empty());
  EXPECT_EQ(header_of(res, "Allow"), "GET, POST, OPTIONS");
  EXPECT_EQ(header_of(res, "Access-Control-Allow-Methods"), "GET, POST");
  auto allowed_headers = header_of(res, "Access-Control-Allow-Headers");
  ASSERT_TRUE(allowed_headers);
  for (auto h : {"Authorization", "Content-Type", "X-API-Key", "X-Request-ID"})
    EXPECT_NE(allowed_headers->find(h), std::string::npos) << h;
  EXPECT_EQ(header_of(res, "Access-Control-Max-Age"), "600");
}

TEST(CorsPolicy, GivesADisallowedPreflightNoCorsHeaders) {
  auto res = policy.preflight(preflight_request("https://evil.example.com"), {"GET"});
  EXPECT_EQ(header_of(res, "Allow"), "GET, OPTIONS");
  EXPECT_EQ(count_of(res, "Access-Control-Allow-Methods"), 0);
  EXPECT_EQ(count_of(res, "Access-Control-Allow-Headers"), 0);
  EXPECT_EQ(count_of(res, "Access-Control-Allow-Origin"), 0);
}
