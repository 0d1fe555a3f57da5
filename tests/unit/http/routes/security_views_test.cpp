// http/routes/security_views.hpp: securities as clients see them.
#include "http/routes/security_views.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace delta::http;
namespace json = boost::json;
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

