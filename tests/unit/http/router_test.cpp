// http/router.hpp: path parameters, trailing slashes, 404 vs 405.
#include "http/router.hpp"

#include <gtest/gtest.h>

using namespace delta::http;

namespace {

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    r.get("/");
    r.get("/health");
    r.get("/api/v2/market/securities");
    r.post("/api/v2/market/securities");
    r.get("/api/v2/market/securities/search");  // a literal registered before the parameter
    r.get("/api/v2/market/securities/{ticker}");
    r.del("/api/v2/market/securities/{ticker}");
    r.get("/api/v2/market/securities/{ticker}/candles/{interval}");
  }
  router r;
};

}  // namespace

TEST_F(RouterTest, MatchesALiteralPath) {
  auto m = r.match("GET", "/health");
  ASSERT_NE(m.matched, nullptr);
  EXPECT_EQ(m.matched->pattern, "/health");
  EXPECT_EQ(m.matched->method, "GET");
  EXPECT_TRUE(m.params.empty());
  EXPECT_TRUE(m.path_known);
}

TEST_F(RouterTest, MatchesTheRoot) {
  auto m = r.match("GET", "/");
  ASSERT_NE(m.matched, nullptr);
  EXPECT_EQ(m.matched->pattern, "/");
}

TEST_F(RouterTest, ExtractsPathParameters) {
  auto m = r.match("GET", "/api/v2/market/securities/AAPL/candles/1h");
  ASSERT_NE(m.matched, nullptr);
  EXPECT_EQ(m.matched->pattern, "/api/v2/market/securities/{ticker}/candles/{interval}");
  EXPECT_EQ(m.params, (path_params{{"ticker", "AAPL"}, {"interval", "1h"}}));
}

TEST_F(RouterTest, PercentDecodesPathParameters) {
  auto m = r.match("GET", "/api/v2/market/securities/EUR%2FUSD");
  ASSERT_NE(m.matched, nullptr);
  EXPECT_EQ(m.matched->pattern, "/api/v2/market/securities/{ticker}");
  EXPECT_EQ(m.params, (path_params{{"ticker", "EUR/USD"}}));

  auto lower_hex = r.match("GET", "/api/v2/market/securities/BRK%2eB");
  ASSERT_NE(lower_hex.matched, nullptr);
  EXPECT_EQ(lower_hex.params.at(0).second, "BRK.B");
}

TEST_F(RouterTest, DoesNotTurnPlusIntoSpaceInPathParameters) {
  auto m = r.match("GET", "/api/v2/market/securities/A+B");
  ASSERT_NE(m.matched, nullptr);
  EXPECT_EQ(m.params.at(0).second, "A+B");
}

TEST_F(RouterTest, KeepsAMalformedEscapeRawForTheRouteToReject) {
  auto m = r.match("GET", "/api/v2/market/securities/AB%ZZ");
  ASSERT_NE(m.matched, nullptr);
  EXPECT_EQ(m.params.at(0).second, "AB%ZZ");
}

TEST_F(RouterTest, TreatsATrailingSlashAsTheSameResource) {
  for (auto path : {"/health/", "/health//"}) {
    auto m = r.match("GET", path);
    ASSERT_NE(m.matched, nullptr) << path;
    EXPECT_EQ(m.matched->pattern, "/health") << path;
  }
  auto with_param = r.match("GET", "/api/v2/market/securities/AAPL/");
  ASSERT_NE(with_param.matched, nullptr);
  EXPECT_EQ(with_param.params, (path_params{{"ticker", "AAPL"}}));
}

TEST_F(RouterTest, AnswersNotFoundForAnUnknownPath) {
  for (auto path : {"/nope", "/api/v2/market", "/healthz", "/api/v2/market/securities/AAPL/extra"}) {
    auto m = r.match("GET", path);
    EXPECT_EQ(m.matched, nullptr) << path;
    EXPECT_FALSE(m.path_known) << path;
    EXPECT_TRUE(m.allowed.empty()) << path;
  }
}

TEST_F(RouterTest, AnswersNotFoundForPathsThatDoNotStartWithASlash) {
  EXPECT_FALSE(r.match("GET", "").path_known);
  EXPECT_FALSE(r.match("GET", "health").path_known);
}

TEST_F(RouterTest, AnswersMethodNotAllowedWithTheAllowedMethods) {
  auto m = r.match("DELETE", "/api/v2/market/securities");
  EXPECT_EQ(m.matched, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "POST"}));

  auto on_param = r.match("PUT", "/api/v2/market/securities/AAPL");
  EXPECT_EQ(on_param.matched, nullptr);
  EXPECT_TRUE(on_param.path_known);
  EXPECT_EQ(on_param.allowed, (std::vector<std::string>{"GET", "DELETE"}));
}

TEST_F(RouterTest, MatchesTheRouteOfTheRequestedMethod) {
  auto get = r.match("GET", "/api/v2/market/securities");
  auto post = r.match("POST", "/api/v2/market/securities");
  ASSERT_NE(get.matched, nullptr);
  ASSERT_NE(post.matched, nullptr);
  EXPECT_EQ(get.matched->method, "GET");
  EXPECT_EQ(post.matched->method, "POST");
  EXPECT_EQ(post.allowed, (std::vector<std::string>{"GET", "POST"}));
}

TEST_F(RouterTest, MatchesMethodsCaseSensitively) {
  auto m = r.match("get", "/health");
  EXPECT_EQ(m.matched, nullptr);
  EXPECT_TRUE(m.path_known);
}

TEST_F(RouterTest, PrefersALiteralSegmentRegisteredBeforeAParameter) {
  auto literal = r.match("GET", "/api/v2/market/securities/search");
  ASSERT_NE(literal.matched, nullptr);
  EXPECT_EQ(literal.matched->pattern, "/api/v2/market/securities/search");
  EXPECT_TRUE(literal.params.empty());

  auto param = r.match("GET", "/api/v2/market/securities/searchx");
  ASSERT_NE(param.matched, nullptr);
  EXPECT_EQ(param.matched->pattern, "/api/v2/market/securities/{ticker}");
}

TEST_F(RouterTest, MatchesLiteralSegmentsExactly) {
  EXPECT_FALSE(r.match("GET", "/api/v2/market/Securities/AAPL").path_known);
  EXPECT_FALSE(r.match("GET", "/api/v2/markets/securities/AAPL").path_known);
  EXPECT_FALSE(r.match("GET", "/Health").path_known);
  // Literal segments are not percent-decoded.
  EXPECT_FALSE(r.match("GET", "/h%65alth").path_known);
}

TEST_F(RouterTest, DoesNotMatchAnEmptySegmentAsAParameter) {
  auto m = r.match("GET", "/api/v2/market/securities//candles/1h");
  EXPECT_EQ(m.matched, nullptr);
  EXPECT_FALSE(m.path_known);
}

TEST_F(RouterTest, TreatsTwoBracesAsALiteralSegment) {
  router braces;
  braces.get("/x/{}");
  EXPECT_FALSE(braces.match("GET", "/x/anything").path_known);
  EXPECT_NE(braces.match("GET", "/x/{}").matched, nullptr);
}

TEST(PercentDecode, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(percent_decode("a%20b", false), "a b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("%e2%82%AC", false), "\xe2\x82\xac");
  EXPECT_EQ(percent_decode("", false), "");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  for (auto bad : {"%", "%4", "a%", "%G1", "%1G", "abc%4"})
    EXPECT_EQ(percent_decode(bad, false), std::nullopt) << bad;
}
