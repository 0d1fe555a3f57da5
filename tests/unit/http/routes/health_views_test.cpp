// http/routes/health_views.hpp: the probes' bodies.
#include "http/routes/health_views.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace delta::http;
namespace json = boost::json;
using delta::protocol::component_health;
using delta::protocol::health_report;

namespace {

component_health component(std::string name, std::string status) {
  return {std::move(name), std::move(status), "msg", {{"pool_size", 4}, {"connected", 3}}};
}

}  // namespace

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
