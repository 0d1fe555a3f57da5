// actors/llm/gateway_admin.hpp: what an admin may store for routes, fallback
// chains and evaluators, and that a literal key only ever reaches a row sealed.
#include "actors/llm/gateway_admin.hpp"

#include <gtest/gtest.h>

using namespace delta::llm;
using delta::protocol::llm_endpoint_config;
using delta::protocol::llm_evaluator_config;
using delta::protocol::llm_route_config;

namespace {

const key_vault vault = *key_vault::from_hex(std::string(64, '1'));
const key_vault no_vault = *key_vault::from_hex("");

llm_endpoint_config endpoint(std::string provider = "openai", std::string url = "https://api.example.com/v1") {
  llm_endpoint_config e;
  e.provider = std::move(provider);
  e.model = "gpt-x";
  e.base_url = std::move(url);
  return e;
}

llm_route_config route_with(llm_endpoint_config e) {
  llm_route_config r;
  r.use_case = "explain";
  r.endpoint = std::move(e);
  return r;
}

}  // namespace

TEST(GatewayAdmin, AcceptsAWellFormedRoute) { EXPECT_FALSE(check_route(route_with(endpoint()), vault)); }

TEST(GatewayAdmin, NamesTheFieldOfEachProblem) {
  EXPECT_EQ(check_route(route_with(endpoint("gpt4all")), vault)->field, "provider");
  EXPECT_EQ(check_route(route_with(endpoint("openai", "ftp://x")), vault)->field, "base_url");
  EXPECT_EQ(check_route(route_with(endpoint("openai", "http://user:pw@h/v1")), vault)->field, "base_url");
  auto e = endpoint();
  e.model = "a|b";
  EXPECT_EQ(check_route(route_with(e), vault)->field, "model");
  e = endpoint();
  e.api_key_env = "lower_case";
  EXPECT_EQ(check_route(route_with(e), vault)->field, "api_key_env");
  auto r = route_with(endpoint());
  r.temperature = 2.5;
  EXPECT_EQ(check_route(r, vault)->field, "temperature");
  r = route_with(endpoint());
  r.timeout_seconds = 0;
  EXPECT_EQ(check_route(r, vault)->field, "timeout_seconds");
}

TEST(GatewayAdmin, LiteralKeysNeedAVaultAndExcludeAnEnvReference) {
  auto e = endpoint();
  e.api_key = "sk-abc";
  EXPECT_FALSE(check_route(route_with(e), vault));
  EXPECT_EQ(check_route(route_with(e), no_vault)->field, "api_key");
  e.api_key_env = "OPENAI_API_KEY";
  EXPECT_EQ(check_route(route_with(e), vault)->field, "api_key");
  e = endpoint();
  e.api_key = "has space";
  EXPECT_EQ(check_route(route_with(e), vault)->field, "api_key");
}

TEST(GatewayAdmin, ALiteralKeyReachesTheRowOnlySealedAndTheViewNeverShowsIt) {
  auto e = endpoint();
  e.api_key = "sk-live-secret";
  auto row = to_row(route_with(e), vault);
  EXPECT_EQ(row.api_key_env, "");
  EXPECT_EQ(row.api_key_sealed.find("sk-live"), std::string::npos);
  EXPECT_EQ(vault.open(row.api_key_sealed), std::optional<std::string>{"sk-live-secret"});
  auto view = to_view(row);
  EXPECT_FALSE(view.endpoint.api_key);
  EXPECT_TRUE(view.endpoint.api_key_configured);
}

TEST(GatewayAdmin, ChecksEveryFallbackAndNamesItsIndex) {
  delta::protocol::llm_endpoint_list chain{endpoint(), endpoint("nope")};
  auto p = check_fallbacks(chain, vault);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->field, "fallbacks[1].provider");
  auto rows = to_rows("explain", {endpoint(), endpoint("anthropic", "https://api.anthropic.com")}, vault);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].priority, 1);
  EXPECT_EQ(rows[1].priority, 2);
}

TEST(GatewayAdmin, EvaluatorNamesAreValidAndUnique) {
  llm_evaluator_config a{"model-a", endpoint(), 100, 10, true};
  llm_evaluator_config b = a;
  EXPECT_FALSE(check_evaluators({a}, vault));
  EXPECT_EQ(check_evaluators({a, b}, vault)->field, "evaluators[1].name");
  b.name = "bad name";
  EXPECT_EQ(check_evaluators({a, b}, vault)->field, "evaluators[1].name");
}
