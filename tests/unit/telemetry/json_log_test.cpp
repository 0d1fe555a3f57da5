// telemetry/json_log.hpp: one valid JSON object per line, typed fields.
#include "telemetry/json_log.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

using namespace delta::telemetry;
namespace json = boost::json;

TEST(FormatLogLine, IsAJsonObjectWithTimestampLevelAndMessage) {
  auto line = format_log_line(log_level::warn, "restarting actor", {});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto o = json::parse(line).as_object();
  EXPECT_EQ(o.at("level").as_string(), "warn");
  EXPECT_EQ(o.at("message").as_string(), "restarting actor");
  std::string ts{o.at("ts").as_string()};
  EXPECT_TRUE(std::regex_match(ts, std::regex{R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)"}))
      << ts;
}

TEST(FormatLogLine, KeepsFieldTypes) {
  std::string route = "/api/v2/market/securities/{ticker}";
  auto line = format_log_line(log_level::info, "request",
                              {{"request_id", "abc"},
                               {"route", route},
                               {"status", 200},
                               {"bytes", std::int64_t{1} << 40},
                               {"duration_ms", 1.25},
                               {"keep_alive", true}});
  auto o = json::parse(line).as_object();
  EXPECT_EQ(o.at("request_id").as_string(), "abc");
  EXPECT_EQ(o.at("route").as_string(), route);
  EXPECT_EQ(o.at("status").as_int64(), 200);
  EXPECT_EQ(o.at("bytes").as_int64(), std::int64_t{1} << 40);
  EXPECT_DOUBLE_EQ(o.at("duration_ms").as_double(), 1.25);
  EXPECT_EQ(o.at("keep_alive").as_bool(), true);
}

TEST(FormatLogLine, WritesNonFiniteNumbersAsNull) {
  auto o = json::parse(format_log_line(log_level::error, "m", {{"x", std::nan("")}})).as_object();
  EXPECT_TRUE(o.at("x").is_null());
}

TEST(FormatLogLine, EscapesMessagesAndFieldValues) {
  auto line = format_log_line(log_level::error, "bad \"input\"\n", {{"path", "/a\\b\x01"}});
  auto o = json::parse(line).as_object();
  EXPECT_EQ(o.at("message").as_string(), "bad \"input\"\n");
  EXPECT_EQ(o.at("path").as_string(), "/a\\b\x01");
}

TEST(AppendJsonString, EscapesQuotesBackslashAndControlCharacters) {
  std::string out;
  append_json_string(out, "q\"b\\n\nr\rt\tc\x01\x1f" "d\x7f");
  EXPECT_EQ(out, R"("q\"b\\n\nr\rt\tc\u0001\u001fd\u007f")");
  EXPECT_EQ(json::parse(out).as_string(), "q\"b\\n\nr\rt\tc\x01\x1f" "d\x7f");
}

TEST(AppendJsonString, KeepsUtf8AsIs) {
  std::string out = "x=";
  append_json_string(out, "caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(out, "x=\"caf\xc3\xa9 \xe2\x82\xac\"");
}

TEST(AppendJsonString, ProducesValidJsonForBytesThatAreNotUtf8) {
  // Request paths are logged raw and query keys echoed in 422 details: a
  // client can put any byte there, and the output must stay parseable JSON.
  std::string out;
  append_json_string(out, "/api/\xff\xfe/x\xc3");
  boost::system::error_code ec;
  json::parse(out, ec);
  EXPECT_FALSE(ec) << ec.message() << ": " << out;
}

TEST(LogLevel, ParsesAndPrintsEveryLevel) {
  for (auto name : {"trace", "debug", "info", "warn", "error", "off"}) {
    auto level = parse_log_level(name);
    ASSERT_TRUE(level) << name;
    EXPECT_EQ(to_string(*level), name);
  }
  EXPECT_FALSE(parse_log_level("loud"));
  EXPECT_FALSE(parse_log_level("INFO"));
}
