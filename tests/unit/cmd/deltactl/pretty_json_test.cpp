#include "cmd/deltactl/pretty_json.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using delta::ctl::pretty_json;
namespace json = boost::json;

TEST(DeltactlPrettyJson, IndentsByTwoOneMemberPerLine) {
  auto v = json::parse(R"({"data":[1,{"a":null,"b":"x"}],"empty":{},"none":[]})");
  EXPECT_EQ(pretty_json(v),
            "{\n"
            "  \"data\": [\n"
            "    1,\n"
            "    {\n"
            "      \"a\": null,\n"
            "      \"b\": \"x\"\n"
            "    }\n"
            "  ],\n"
            "  \"empty\": {},\n"
            "  \"none\": []\n"
            "}");
}

TEST(DeltactlPrettyJson, ParsesBackToTheSameValueWithEscapesIntact) {
  auto v = json::parse(R"({"quote\"key":"line\nbreak \u00e9","n":-1.5e300,"t":true,"list":[[],[{}]]})");
  EXPECT_EQ(json::parse(pretty_json(v)), v);
  EXPECT_EQ(pretty_json(json::value(7)), "7");
}
