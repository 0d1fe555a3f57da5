// http/routes/json_views.hpp: protocol values as clients see them.
#include "http/routes/json_views.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace delta::http;
namespace json = boost::json;
using delta::protocol::component_health;
using delta::protocol::health_report;
using delta::protocol::security;

namespace {

security apple() {
  security s;
  s.security_id = "42";
  s.ticker = "AAPL";
  s.name = "Apple Inc.";
  s.security_type = "equity";
  s.exchange = std::string{"NASDAQ"};
  s.currency = "USD";
  s.active = true;
  return s;
}

component_health component(std::string name, std::string status) {
  return {std::move(name), std::move(status), "msg", {{"pool_size", 4}, {"connected", 3}}};
}

}  // namespace

TEST(SecurityJson, HasTheFieldsOfApiMd) {
  auto o = json::parse(security_json(apple())).as_object();
  EXPECT_EQ(o.size(), 7u);
  EXPECT_EQ(o.at("security_id").as_string(), "42");  // ids are strings
  EXPECT_EQ(o.at("ticker").as_string(), "AAPL");
  EXPECT_EQ(o.at("name").as_string(), "Apple Inc.");
  EXPECT_EQ(o.at("security_type").as_string(), "equity");
  EXPECT_EQ(o.at("exchange").as_string(), "NASDAQ");
  EXPECT_EQ(o.at("currency").as_string(), "USD");
  EXPECT_EQ(o.at("active").as_bool(), true);
}

TEST(SecurityJson, WritesAnAbsentExchangeAsNull) {
  auto s = apple();
  s.exchange = caf::none;
  s.active = false;
  auto o = json::parse(security_json(s)).as_object();
  ASSERT_TRUE(o.contains("exchange"));
  EXPECT_TRUE(o.at("exchange").is_null());
  EXPECT_EQ(o.at("active").as_bool(), false);
}

TEST(SecuritiesJson, IsAnArrayInOrder) {
  auto b = apple();
  b.ticker = "BTC-USD";
  auto a = json::parse(securities_json({apple(), b})).as_array();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].as_object().at("ticker").as_string(), "AAPL");
  EXPECT_EQ(a[1].as_object().at("ticker").as_string(), "BTC-USD");
  EXPECT_EQ(securities_json({}), "[]");
}

TEST(HealthDetailedJson, IsHealthyWhenEveryComponentIs) {
  std::string overall;
  auto o = json::parse(health_detailed_json(
                           {{component("database", "healthy"), component("cluster", "healthy")}},
                           overall))
               .as_object();
  EXPECT_EQ(overall, "healthy");
  EXPECT_EQ(o.at("status").as_string(), "healthy");
  auto& db = o.at("components").as_object().at("database").as_object();
  EXPECT_EQ(db.at("status").as_string(), "healthy");
  EXPECT_EQ(db.at("message").as_string(), "msg");
  EXPECT_EQ(db.at("details").as_object().at("pool_size").as_int64(), 4);
  EXPECT_EQ(db.at("details").as_object().at("connected").as_int64(), 3);
}

TEST(HealthDetailedJson, TakesTheWorstComponentStatus) {
  std::string overall;
  health_detailed_json({{component("a", "healthy"), component("b", "degraded")}}, overall);
  EXPECT_EQ(overall, "degraded");
  auto o = json::parse(health_detailed_json({{component("a", "unhealthy"),
                                              component("b", "degraded"),
                                              component("c", "healthy")}},
                                            overall))
               .as_object();
  EXPECT_EQ(overall, "unhealthy");
  EXPECT_EQ(o.at("status").as_string(), "unhealthy");
  EXPECT_EQ(o.at("components").as_object().size(), 3u);
}

TEST(HealthDetailedJson, IsHealthyWithNoComponents) {
  std::string overall;
  health_detailed_json({}, overall);
  EXPECT_EQ(overall, "healthy");
}

TEST(ReadinessJson, IsReadyUnlessAComponentIsUnhealthy) {
  bool ready = false;
  auto body = readiness_json({{component("database", "degraded")}}, ready);
  EXPECT_TRUE(ready);
  EXPECT_EQ(json::parse(body), json::parse(R"({"status":"ready"})"));
}

TEST(ReadinessJson, ListsComponentsWithoutDetailsWhenNotReady) {
  bool ready = true;
  auto o = json::parse(readiness_json({{component("database", "unhealthy")}}, ready)).as_object();
  EXPECT_FALSE(ready);
  EXPECT_EQ(o.at("status").as_string(), "not_ready");
  auto& db = o.at("components").as_object().at("database").as_object();
  EXPECT_EQ(db.at("status").as_string(), "unhealthy");
  EXPECT_FALSE(db.contains("details"));
}
