// actors/llm/fallback_plan.hpp: the chain keeps priority order, open
// breakers are skipped without a call, every breaker open means "all
// unavailable", and the incremental walk asks a breaker only when it is
// about to call that endpoint (so a half-open probe is never wasted).
#include "actors/llm/fallback_plan.hpp"

#include "actors/llm/breaker.hpp"
#include "actors/llm/use_case.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace delta::llm;
using namespace std::chrono_literals;

namespace {

const endpoint primary{"openai", "gpt-4o-mini", "https://api.openai.com/v1"};
const endpoint second{"anthropic", "claude-3-5-haiku-latest", "https://api.anthropic.com"};
const endpoint local{"ollama", "llama3.1:8b", "http://127.0.0.1:11434/v1"};

admits_fn all_but(std::set<std::string> closed_keys) {
  return [closed_keys](const endpoint& e) { return !closed_keys.contains(e.key()); };
}

}  // namespace

TEST(FallbackPlan, PutsTheRouteFirstThenTheFallbacksInPriorityOrder) {
  auto chain = build_chain(primary, {second, local});
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0], primary);
  EXPECT_EQ(chain[1], second);
  EXPECT_EQ(chain[2], local);
}

TEST(FallbackPlan, DropsRepeatedEndpointsKeepingTheFirst) {
  auto chain = build_chain(primary, {second, primary, local, second});
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[1], second);
  EXPECT_EQ(chain[2], local);
  // Same provider and model at another base_url is another endpoint.
  auto other = primary;
  other.base_url = "https://eu.api.openai.com/v1";
  EXPECT_EQ(build_chain(primary, {other}).size(), 2u);
}

TEST(FallbackPlan, TriesEveryEndpointInOrderWhenAllBreakersAreClosed) {
  auto plan = plan_attempts(build_chain(primary, {second, local}), all_but({}));
  EXPECT_EQ(plan.attempts, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_TRUE(plan.skipped.empty());
  EXPECT_FALSE(plan.all_unavailable());
}

TEST(FallbackPlan, SkipsOpenBreakersAndKeepsTheOrderOfTheRest) {
  auto plan = plan_attempts(build_chain(primary, {second, local}), all_but({primary.key()}));
  EXPECT_EQ(plan.attempts, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(plan.skipped, (std::vector<std::size_t>{0}));
  auto middle = plan_attempts(build_chain(primary, {second, local}), all_but({second.key()}));
  EXPECT_EQ(middle.attempts, (std::vector<std::size_t>{0, 2}));
}

TEST(FallbackPlan, ReportsAllUnavailableWhenEveryBreakerIsOpen) {
  auto plan = plan_attempts(build_chain(primary, {second, local}),
                            all_but({primary.key(), second.key(), local.key()}));
  EXPECT_TRUE(plan.all_unavailable());
  EXPECT_EQ(plan.skipped.size(), 3u);
  EXPECT_TRUE(plan_attempts({}, all_but({})).all_unavailable());
}

TEST(FallbackWalk, AnOutageOfThePrimaryCostsOneSkipThenTheFallbackAnswers) {
  fallback_walk walk{build_chain(primary, {second, local})};
  int asked = 0;
  auto admits = [&](const endpoint& e) { ++asked; return e != primary; };
  auto first = walk.next(admits);
  ASSERT_TRUE(first);
  EXPECT_EQ(walk.at(*first), second);
  EXPECT_EQ(asked, 2);  // the primary once, the fallback once; the third not yet
  EXPECT_EQ(walk.skipped(), (std::vector<std::size_t>{0}));
  EXPECT_EQ(walk.attempted(), (std::vector<std::size_t>{1}));
}

TEST(FallbackWalk, MovesOnAfterAFailedEndpointUntilTheChainIsExhausted) {
  fallback_walk walk{build_chain(primary, {second, local})};
  auto yes = all_but({});
  EXPECT_EQ(walk.next(yes), 0u);
  EXPECT_EQ(walk.next(yes), 1u);
  EXPECT_EQ(walk.next(yes), 2u);
  EXPECT_FALSE(walk.next(yes));
  EXPECT_TRUE(walk.exhausted());
  EXPECT_FALSE(walk.all_unavailable());  // tried and failed: not the same as "all open"
}

TEST(FallbackWalk, SaysAllUnavailableWhenEveryBreakerRefused) {
  fallback_walk walk{build_chain(primary, {second})};
  EXPECT_FALSE(walk.next(all_but({primary.key(), second.key()})));
  EXPECT_TRUE(walk.all_unavailable());
  EXPECT_EQ(walk.skipped().size(), 2u);
}

TEST(FallbackWalk, ClaimsAHalfOpenProbeOnlyForTheEndpointItCalls) {
  // Both breakers are past their cooldown; the walk stops at the first, so
  // the second keeps its probe for a later call.
  auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
  std::map<std::string, breaker> breakers;
  for (const auto& e : {primary, second}) {
    auto& b = breakers[e.key()];
    for (int i = 0; i < 5; ++i) b.record_failure(b.allow(t0), t0);
  }
  auto now = t0 + 60s;
  fallback_walk walk{build_chain(primary, {second})};
  auto i = walk.next([&](const endpoint& e) { return static_cast<bool>(breakers[e.key()].allow(now)); });
  ASSERT_EQ(i, 0u);
  EXPECT_TRUE(breakers[second.key()].allow(now).probe);
}

TEST(FallbackWalk, CanBeDrivenOneAsynchronousBreakerAnswerAtATime) {
  fallback_walk walk{build_chain(primary, {second, local})};
  ASSERT_EQ(walk.candidate(), 0u);
  EXPECT_EQ(walk.candidate(), 0u);  // asking twice does not advance
  walk.refused();                   // the primary's breaker is open
  ASSERT_EQ(walk.candidate(), 1u);
  walk.admitted();
  EXPECT_EQ(walk.skipped(), (std::vector<std::size_t>{0}));
  EXPECT_EQ(walk.attempted(), (std::vector<std::size_t>{1}));
  ASSERT_EQ(walk.candidate(), 2u);  // the fallback failed: on to the next
  walk.refused();
  EXPECT_FALSE(walk.candidate());
  EXPECT_TRUE(walk.exhausted());
  EXPECT_FALSE(walk.all_unavailable());
  walk.admitted();  // past the end: ignored
  walk.refused();
  EXPECT_EQ(walk.attempted().size(), 1u);
  EXPECT_EQ(walk.skipped().size(), 2u);
}

TEST(UseCase, NamesAndParsesEveryUseCase) {
  EXPECT_EQ(all_use_cases.size(), 7u);
  for (auto u : all_use_cases) EXPECT_EQ(parse_use_case(to_string(u)), u);
  EXPECT_EQ(to_string(use_case::signal_evaluate), "signal_evaluate");
  EXPECT_EQ(parse_use_case("deep_research"), use_case::deep_research);
  EXPECT_FALSE(parse_use_case("Explain"));
  EXPECT_FALSE(parse_use_case(""));
  EXPECT_FALSE(parse_use_case("explain "));
}

TEST(Endpoint, KeyNamesProviderBaseUrlAndModel) {
  EXPECT_EQ(primary.key(), "openai|https://api.openai.com/v1|gpt-4o-mini");
}
