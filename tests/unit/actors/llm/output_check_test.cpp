// actors/llm/output_check.hpp: which rule each use case gets, and that only
// output matching it passes.
#include "actors/llm/output_check.hpp"

#include <gtest/gtest.h>

using namespace delta::llm;

TEST(OutputRule, SignalEvaluateAlwaysValidatesDecisions) {
  EXPECT_EQ(output_rule_for(use_case::signal_evaluate, false), output_rule::decision);
  EXPECT_EQ(output_rule_for(use_case::signal_evaluate, true), output_rule::decision);
}

TEST(OutputRule, OtherUseCasesFollowTheirJsonFlag) {
  EXPECT_EQ(output_rule_for(use_case::cohort_match, true), output_rule::json_object);
  EXPECT_EQ(output_rule_for(use_case::explain, false), output_rule::text);
  EXPECT_EQ(output_rule_for(use_case::report_generate, false), output_rule::text);
}

TEST(CheckOutput, TextNeedsSomethingVisible) {
  EXPECT_FALSE(check_output(output_rule::text, "An EMA crossover means..."));
  EXPECT_TRUE(check_output(output_rule::text, ""));
  EXPECT_TRUE(check_output(output_rule::text, " \n\t "));
}

TEST(CheckOutput, JsonObjectAcceptsAnObjectWithOrWithoutAFence) {
  EXPECT_FALSE(check_output(output_rule::json_object, R"({"cohort":"momentum"})"));
  EXPECT_FALSE(check_output(output_rule::json_object, "```json\n{\"a\":1}\n```"));
}

TEST(CheckOutput, JsonObjectRefusesEverythingElse) {
  EXPECT_TRUE(check_output(output_rule::json_object, "[1,2]"));
  EXPECT_TRUE(check_output(output_rule::json_object, "\"text\""));
  EXPECT_TRUE(check_output(output_rule::json_object, "{\"a\":1"));
  EXPECT_TRUE(check_output(output_rule::json_object, "Sure! {\"a\":1}"));
  EXPECT_TRUE(check_output(output_rule::json_object, ""));
}

TEST(CheckOutput, DecisionUsesTheDecisionSchema) {
  EXPECT_FALSE(check_output(output_rule::decision,
                            R"({"decision":"approve","confidence":0.8,"rationale":"trend"})"));
  auto why = check_output(output_rule::decision, R"({"decision":"maybe","confidence":0.8,"rationale":"x"})");
  ASSERT_TRUE(why);
  EXPECT_FALSE(why->empty());
}
