#include "cmd/deltactl/route.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <stdexcept>

using namespace delta::ctl;
namespace json = boost::json;

TEST(DeltactlRoute, FillsThePlaceholdersInOrderPercentEncoded) {
  route drain{"POST", "/api/v2/platform/admin/cluster/nodes/{node_id}/drain"};
  EXPECT_EQ(expand(drain, {"node-1.a_b~"}), "/api/v2/platform/admin/cluster/nodes/node-1.a_b~/drain");
  EXPECT_EQ(expand(drain, {"../x y/?#"}), "/api/v2/platform/admin/cluster/nodes/..%2Fx%20y%2F%3F%23/drain");
  EXPECT_EQ(expand({"GET", "/a/{x}/b/{y}"}, {"1", "2"}), "/a/1/b/2");
  EXPECT_EQ(expand({"GET", "/health"}, {}), "/health");
}

TEST(DeltactlRoute, RefusesTheWrongNumberOfArguments) {
  EXPECT_THROW(expand({"GET", "/a/{x}"}, {}), std::invalid_argument);
  EXPECT_THROW(expand({"GET", "/a"}, {"1"}), std::invalid_argument);
}

TEST(DeltactlRoute, BuildsAQueryStringWithoutEmptyValues) {
  EXPECT_EQ(query_string({}), "");
  EXPECT_EQ(query_string({{"node", ""}}), "");
  EXPECT_EQ(query_string({{"status", "dead"}, {"node", ""}, {"limit", "50"}}), "?status=dead&limit=50");
  EXPECT_EQ(query_string({{"node", "a&b=c"}}), "?node=a%26b%3Dc");
}

TEST(DeltactlRoute, FindsTheRouteAndItsMethodInAnOpenApiDocument) {
  auto doc = json::parse(R"({"openapi":"3.0.3","paths":{
      "/api/v2/platform/admin/jobs":{"get":{}},
      "/api/v2/jobs/{job_id}":{"get":{},"delete":{}}}})");
  EXPECT_TRUE(declares(doc, {"GET", "/api/v2/platform/admin/jobs"}));
  EXPECT_FALSE(declares(doc, {"POST", "/api/v2/platform/admin/jobs"}));
  EXPECT_TRUE(declares(doc, {"DELETE", "/api/v2/jobs/{job_id}"}));
  EXPECT_FALSE(declares(doc, {"GET", "/api/v2/platform/admin/telemetry"}));
  EXPECT_FALSE(declares(json::parse("[]"), {"GET", "/health"}));
  EXPECT_FALSE(declares(json::parse(R"({"paths":[]})"), {"GET", "/health"}));
}
