// actors/llm/routing_table.hpp: rows -> per-use-case chains (route first,
// fallbacks in order, repeats dropped), inactive rows left out, unusable rows
// reported instead of failing the table, keys resolved, endpoints listed once.
#include "actors/llm/routing_table.hpp"

#include <gtest/gtest.h>

using namespace delta::llm;
namespace rows = delta::storage::llm;

namespace {

rows::route_row route(std::string uc, std::string provider, std::string model, std::string url,
                      std::string key_env = "") {
  rows::route_row r;
  r.use_case = std::move(uc);
  r.provider = std::move(provider);
  r.model = std::move(model);
  r.base_url = std::move(url);
  r.api_key_env = std::move(key_env);
  r.timeout_seconds = 7;
  r.max_tokens = 300;
  return r;
}

rows::fallback_row fallback(std::string uc, int priority, std::string provider, std::string model, std::string url) {
  return {std::move(uc), priority, std::move(provider), std::move(model), std::move(url), "", ""};
}

std::string fake_keys(const std::string& env, const std::string& sealed) {
  if (!sealed.empty()) return "opened:" + sealed;
  return env == "SET_VAR" ? "key-from-env" : "";
}

}  // namespace

TEST(RoutingTable, ChainsTheRouteThenItsFallbacksInOrderWithoutRepeats) {
  routing_table::rows r;
  r.routes = {route("explain", "openai_compat", "a", "http://h:1/v1", "SET_VAR")};
  r.fallbacks = {fallback("explain", 1, "anthropic", "b", "http://h:2"),
                 fallback("explain", 2, "openai_compat", "a", "http://h:1/v1"),  // the route again
                 fallback("explain", 3, "vllm", "c", "http://h:3/v1"),
                 fallback("report_chat", 1, "ollama", "z", "http://h:9/v1")};
  auto t = routing_table::build(r, fake_keys);
  auto* plan = t->route(use_case::explain);
  ASSERT_NE(plan, nullptr);
  ASSERT_EQ(plan->chain.size(), 3u);
  EXPECT_EQ(plan->chain[0].id.model, "a");
  EXPECT_EQ(plan->chain[0].api_key, "key-from-env");
  EXPECT_EQ(plan->chain[0].url.port, 1);
  EXPECT_EQ(plan->chain[1].format, wire_format::anthropic);
  EXPECT_EQ(plan->chain[2].id.model, "c");
  EXPECT_EQ(plan->timeout, std::chrono::seconds(7));
  EXPECT_EQ(plan->max_tokens, 300);
  EXPECT_EQ(t->route(use_case::report_chat), nullptr);  // fallbacks without a route are no route
}

TEST(RoutingTable, LeavesOutInactiveRoutesAndReportsUnusableRows) {
  routing_table::rows r;
  auto off = route("explain", "openai", "a", "http://h:1/v1");
  off.active = false;
  r.routes = {off, route("cohort_match", "openai", "m", "ftp://nope"), route("bogus_case", "openai", "m", "http://h/v1")};
  auto t = routing_table::build(r, fake_keys);
  EXPECT_EQ(t->route(use_case::explain), nullptr);
  EXPECT_EQ(t->route(use_case::cohort_match), nullptr);
  EXPECT_EQ(t->problems().size(), 2u);
}

TEST(RoutingTable, OpensSealedKeysAndListsEveryEndpointOnce) {
  routing_table::rows r;
  auto sealed = route("explain", "openai", "a", "http://h:1/v1");
  sealed.api_key_sealed = "v1:xyz";
  r.routes = {sealed, route("report_chat", "openai", "a", "http://h:1/v1")};
  rows::evaluator_row e;
  e.name = "judge";
  e.provider = "anthropic";
  e.model = "j";
  e.base_url = "http://h:2";
  r.evaluators = {e};
  auto t = routing_table::build(r, fake_keys);
  EXPECT_EQ(t->route(use_case::explain)->chain[0].api_key, "opened:v1:xyz");
  EXPECT_EQ(t->route(use_case::report_chat)->chain[0].api_key, "");
  ASSERT_EQ(t->endpoints().size(), 2u);  // openai|a shared by two routes, then the evaluator
  ASSERT_NE(t->evaluator("judge"), nullptr);
  EXPECT_EQ(t->evaluator("nobody"), nullptr);
}

TEST(RoutingTable, RefusedPricesAreReportedAndValidOnesUsed) {
  routing_table::rows r;
  r.prices = {{"openai", "a", 1.0, 2.0}, {"openai", "bad", -1.0, 0.0}};
  auto t = routing_table::build(r, fake_keys);
  EXPECT_TRUE(t->prices().find("openai", "a"));
  EXPECT_FALSE(t->prices().find("openai", "bad"));
  EXPECT_EQ(t->problems().size(), 1u);
}
