// http/routes/candle_body.hpp: the candles of POST /api/v2/market/candles,
// wrong JSON types (400) apart from invalid values (422), named by index.
#include "http/routes/candle_body.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace delta::http;

namespace {

request body(const std::string& json_text) {
  request r;
  r.method = "POST";
  r.body = json_text;
  r.json = std::make_shared<const boost::json::value>(boost::json::parse(json_text));
  return r;
}

candle_batch_parse parse(const std::string& candles_json) {
  return parse_candle_batch(body(R"({"ticker":"AAPL","candles":)" + candles_json + "}"), 60);
}

std::vector<std::string> fields(const std::vector<field_problem>& problems) {
  std::vector<std::string> out;
  for (auto& p : problems) out.push_back(p.field);
  return out;
}

using names = std::vector<std::string>;

const std::string good = R"({"ts":"2026-11-22T10:00:00Z","open":100,"high":101.5,"low":99,"close":100.25,"volume":1200})";

}  // namespace

TEST(CandleBody, ReadsCandlesWithIntegerAndDecimalNumbers) {
  auto p = parse("[" + good + R"(,{"ts":"2026-11-22T10:01:00Z","open":100.25,"high":101,"low":100,"close":101,"volume":0}])");
  EXPECT_TRUE(p.type_problems.empty());
  EXPECT_TRUE(p.problems.empty());
  ASSERT_EQ(p.candles.size(), 2u);
  EXPECT_EQ(p.candles[0].ts, 1795341600);
  EXPECT_EQ(p.candles[0].high, 101.5);
  EXPECT_EQ(p.candles[1].volume, 0);
}

TEST(CandleBody, WrongJsonTypesAreTypeProblems) {
  EXPECT_EQ(fields(parse(R"({"a":1})").type_problems), names{"candles"});
  EXPECT_EQ(fields(parse(R"([5])").type_problems), names{"candles[0]"});
  auto p = parse(R"([{"ts":1795341600,"open":"100","high":101,"low":99,"close":true,"volume":[1]}])");
  EXPECT_EQ(fields(p.type_problems), (names{"candles[0].ts", "candles[0].open", "candles[0].close",
                                            "candles[0].volume"}));
}

TEST(CandleBody, MissingAndInvalidValuesAreValidationProblems) {
  EXPECT_EQ(fields(parse_candle_batch(body(R"({"ticker":"AAPL"})"), 60).problems), names{"candles"});
  EXPECT_EQ(fields(parse("[]").problems), names{"candles"});
  EXPECT_EQ(fields(parse(R"([{"ts":"2026-11-22T10:00:00Z","open":1,"high":2,"low":0.5}])").problems),
            (names{"candles[0].close", "candles[0].volume"}));
  auto p = parse("[" + good + R"(,{"ts":"2026-11-22T10:01:30Z","open":100,"high":99,"low":98,"close":99,"volume":-1}])");
  EXPECT_TRUE(p.type_problems.empty());
  EXPECT_EQ(fields(p.problems), (names{"candles[1].ts", "candles[1].high", "candles[1].volume"}));
}

TEST(CandleBody, CompleteCandlesAreCheckedEvenWhenAnotherIsIncomplete) {
  auto p = parse(R"([{"ts":"2026-11-22T10:00:00Z"},{"ts":"2026-11-22T10:01:00Z","open":5,"high":4,"low":3,"close":4,"volume":1}])");
  EXPECT_EQ(fields(p.problems), (names{"candles[0].open", "candles[0].high", "candles[0].low",
                                       "candles[0].close", "candles[0].volume", "candles[1].high"}));
}

TEST(CandleBody, RepeatedTimestampsAreRefused) {
  auto p = parse("[" + good + "," + good + "]");
  EXPECT_EQ(fields(p.problems), names{"candles[1].ts"});
}

TEST(CandleBody, NothingIsReadFromABodyThatIsNotAnObject) {
  auto p = parse_candle_batch(body("[1,2]"), 60);
  EXPECT_TRUE(p.candles.empty());
  EXPECT_TRUE(p.problems.empty());
  EXPECT_TRUE(p.type_problems.empty());
}
