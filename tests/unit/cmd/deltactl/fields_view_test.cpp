#include "cmd/deltactl/fields_view.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using delta::ctl::fields_view;
namespace json = boost::json;

TEST(DeltactlFieldsView, AlignsValuesAfterTheLongestName) {
  auto job = json::parse(R"({"job_id":"j1","status":"dead","max_attempts":3,"error":null})");
  EXPECT_EQ(fields_view(job),
            "job_id:        j1\n"
            "status:        dead\n"
            "max_attempts:  3\n"
            "error:         -\n");
}

TEST(DeltactlFieldsView, PrintsNestedValuesAsIndentedJsonBelowTheirName) {
  auto job = json::parse(R"({"result":{"ticker":"MSFT"},"steps":[],"id":"j"})");
  EXPECT_EQ(fields_view(job),
            "result:\n"
            "  {\n"
            "    \"ticker\": \"MSFT\"\n"
            "  }\n"
            "steps:   []\n"
            "id:      j\n");
}

TEST(DeltactlFieldsView, ShowsAnythingButAnObjectAsOneLine) {
  EXPECT_EQ(fields_view(nullptr), "-\n");
  EXPECT_EQ(fields_view(json::value("queued")), "queued\n");
}
