// http/envelope.hpp: the success envelope of API.md.
#include "http/envelope.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <regex>

using namespace delta::http;
namespace json = boost::json;

namespace {

const std::regex rfc3339_utc{R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)"};

}  // namespace

TEST(OkResponse, WrapsDataWithRequestIdAndTimestamp) {
  auto res = ok_response(200, R"({"ticker":"AAPL"})", "req-1");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "application/json");
  auto doc = json::parse(res.body).as_object();
  EXPECT_EQ(doc.size(), 2u) << res.body;  // data and meta; no links
  EXPECT_EQ(doc.at("data").as_object().at("ticker").as_string(), "AAPL");
  auto& meta = doc.at("meta").as_object();
  EXPECT_EQ(meta.size(), 2u) << res.body;
  EXPECT_EQ(meta.at("request_id").as_string(), "req-1");
  std::string ts{meta.at("timestamp").as_string()};
  EXPECT_TRUE(std::regex_match(ts, rfc3339_utc)) << ts;
}

TEST(OkResponse, KeepsTheGivenStatus) {
  EXPECT_EQ(ok_response(201, "{}", "r").status, 201);
}

TEST(PageResponse, AddsPageFiguresToMeta) {
  auto res = page_response("[1,2]", "req-2", page_meta{2000, 50, 100}, std::nullopt);
  EXPECT_EQ(res.status, 200);
  auto doc = json::parse(res.body).as_object();
  EXPECT_EQ(doc.at("data").as_array().size(), 2u);
  auto& meta = doc.at("meta").as_object();
  EXPECT_EQ(meta.at("total").as_int64(), 2000);
  EXPECT_EQ(meta.at("limit").as_int64(), 50);
  EXPECT_EQ(meta.at("offset").as_int64(), 100);
  EXPECT_FALSE(doc.contains("links"));
}

TEST(PageResponse, AddsTheNextLinkOnlyWhenGiven) {
  auto res = page_response("[]", "r", page_meta{10, 5, 0}, std::string{"/api/v2/market/securities?limit=5&offset=5"});
  auto doc = json::parse(res.body).as_object();
  ASSERT_TRUE(doc.contains("links"));
  EXPECT_EQ(doc.at("links").as_object().at("next").as_string(), "/api/v2/market/securities?limit=5&offset=5");
}

TEST(OkResponse, AddsTheSelfLink) {
  auto only = json::parse(ok_response(202, "{}", "r", std::string{"/api/v2/jobs/j1"}).body).as_object();
  EXPECT_EQ(only.at("links").as_object().at("self").as_string(), "/api/v2/jobs/j1");
  EXPECT_FALSE(only.at("links").as_object().contains("next"));
}

TEST(OkResponse, RefusesAnArrayBecauseAListAlwaysCarriesItsPagingFigures) {
  for (const char* list : {"[]", "[1,2]", "  [{\"a\":1}]"}) {
    auto res = ok_response(200, list, "req-3");
    EXPECT_EQ(res.status, 500) << list;
    EXPECT_EQ(json::parse(res.body).as_object().at("error").as_object().at("code").as_string(), "internal");
  }
  EXPECT_EQ(ok_response(200, "{\"items\":[]}", "r").status, 200);
  EXPECT_EQ(ok_response(200, "null", "r").status, 200);
}

TEST(OkResponse, EscapesTheRequestId) {
  auto doc = json::parse(ok_response(200, "null", "a\"b\\c").body).as_object();
  EXPECT_EQ(doc.at("meta").as_object().at("request_id").as_string(), "a\"b\\c");
  EXPECT_TRUE(doc.at("data").is_null());
}

TEST(UtcTimestamp, IsRfc3339InUtc) {
  auto ts = utc_timestamp();
  EXPECT_TRUE(std::regex_match(ts, rfc3339_utc)) << ts;
}
