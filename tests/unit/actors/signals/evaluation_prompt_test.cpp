#include "actors/signals/evaluation_prompt.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace delta::signals;

TEST(SignalEvaluationPrompt, AsksForJsonAndCarriesTheSignalFeaturesAndFlags) {
  auto p = make_evaluation_prompt({"e1", "AAPL", "long", 187.5, "breakout", "full_v1", R"({"rsi_14":55.5})",
                                   {"stale_candles"}});
  EXPECT_NE(p.system.find("[json]"), std::string::npos);
  auto user = boost::json::parse(p.user).as_object();
  EXPECT_EQ(user.at("signal").as_object().at("symbol").as_string(), "AAPL");
  EXPECT_DOUBLE_EQ(user.at("signal").as_object().at("price").as_double(), 187.5);
  EXPECT_DOUBLE_EQ(user.at("features").as_object().at("rsi_14").as_double(), 55.5);
  EXPECT_EQ(user.at("quality_flags").as_array().at(0).as_string(), "stale_candles");
}

TEST(SignalEvaluationPrompt, ReadsADecisionAndRefusesAnythingElse) {
  auto d = read_decision(R"({"decision":"reject","confidence":0.73,"rationale":"weak trend"})");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->verdict, "reject");
  EXPECT_DOUBLE_EQ(d->confidence, 0.73);
  EXPECT_EQ(d->rationale, "weak trend");
  EXPECT_FALSE(read_decision("not json {"));
  EXPECT_FALSE(read_decision(R"({"decision":"buy","confidence":0.5,"rationale":"x"})"));
  EXPECT_FALSE(read_decision(R"({"decision":"approve","confidence":1.5,"rationale":"x"})"));
  EXPECT_FALSE(read_decision(R"({"decision":"approve","confidence":0.5})"));
}

TEST(SignalEvaluationPrompt, DropsNulCharactersARationaleCannotBeStoredWith) {
  auto d = read_decision(R"({"decision":"approve","confidence":0.5,"rationale":"up\u0000trend"})");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->rationale, "uptrend");
}
