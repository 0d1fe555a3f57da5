// storage/llm_repository.hpp against a real, migrated PostgreSQL through the
// pool: the demo seed (routes, fallbacks, evaluators, prices at the stub),
// route upserts with PUT semantics and their constraints (closed sets of use
// cases and providers, api_key_env as a variable name, never a key), atomic
// replacement of fallback chains and evaluator lists, the config version the
// gateway polls, llm_calls accounting (single rows and a 1,000-row batch) and
// its daily partitions (creation ahead, the default partition for days
// without one, retention by dropping whole days).
#include "storage/llm_repository.hpp"

#include "storage/migrator.hpp"
#include "storage/pg_connection.hpp"
#include "tests/integration/support/migrated_pool.hpp"
#include "tests/integration/support/test_database.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <future>
#include <memory>
#include <optional>
#include <regex>

using namespace delta::storage;
using delta::testing::call_and_wait;
using delta::testing::migrated_pool_test;
using delta::testing::scratch_database;
namespace llm = delta::storage::llm;

namespace {

const std::regex rfc3339{R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)"};

const std::vector<std::string> use_cases{"explain",         "cohort_match",    "report_chat",
                                         "deep_research",   "signal_classify", "report_generate",
                                         "signal_evaluate"};

// "llm_calls_pYYYYMMDD" of the UTC day `days` from now.
std::string partition_of_day(int days) {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() +
                                                std::chrono::hours(24) * days);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "llm_calls_p%Y%m%d", &tm);
  return buf;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;

llm::route_row a_route(const std::string& use_case = "explain") {
  llm::route_row r;
  r.use_case = use_case;
  r.provider = "ollama";
  r.model = "qwen2.5:7b";
  r.base_url = "http://localhost:11434/v1";
  r.api_key_env = "";
  r.max_tokens = 700;
  r.temperature = 1.25;
  r.timeout_seconds = 45;
  r.json_output = true;
  r.active = false;
  return r;
}

llm::fallback_row a_fallback(const std::string& provider, const std::string& model,
                             const std::string& base_url, const std::string& key_env = "") {
  llm::fallback_row f;
  f.provider = provider;
  f.model = model;
  f.base_url = base_url;
  f.api_key_env = key_env;
  return f;
}

llm::evaluator_row an_evaluator(const std::string& name, const std::string& provider = "openai") {
  llm::evaluator_row e;
  e.name = name;
  e.provider = provider;
  e.model = name + "-model";
  e.base_url = "https://api.openai.com/v1";
  e.api_key_env = "OPENAI_API_KEY";
  e.max_tokens = 300;
  e.timeout_seconds = 20;
  return e;
}

llm::call_row a_call(std::int64_t at_unix_ms = 0, const std::string& outcome = "ok") {
  llm::call_row c;
  c.at_unix_ms = at_unix_ms;
  c.provider = "openai_compat";
  c.model = "stub-primary";
  c.use_case = "explain";
  c.outcome = outcome;
  c.latency_ms = 42;
  c.prompt_tokens = 100;
  c.completion_tokens = 20;
  c.cost_usd = 0.000027;
  return c;
}

class LlmRepositoryTest : public migrated_pool_test {
 protected:
  void SetUp() override { start(2, llm::register_statements); }

  pg_reply transaction(std::vector<pg_statement> steps) {
    return call_and_wait(*pool, std::move(steps), true);
  }

  std::int64_t count(const std::string& query) {
    pg_connection conn{db->url()};
    auto res = conn.exec(query, {});
    return std::stoll(res.rows.at(0).at(0).value_or("-1"));
  }

  std::vector<std::string> partitions() {
    std::vector<std::string> out;
    for (auto& row : one(llm::call_partitions()).rows) out.push_back(row.at(0).value_or(""));
    return out;
  }

};

}  // namespace

// ---- seed ----

TEST_F(LlmRepositoryTest, SeedRoutesEveryUseCaseToTheLocalStub) {
  auto routes = llm::to_routes(one(llm::active_routes()));
  ASSERT_EQ(routes.size(), use_cases.size());
  for (auto& r : routes) {
    EXPECT_TRUE(contains(use_cases, r.use_case)) << r.use_case;
    EXPECT_EQ(r.provider, "openai_compat");
    EXPECT_EQ(r.model, "stub-primary");
    EXPECT_EQ(r.base_url, "http://127.0.0.1:18090/v1");
    EXPECT_EQ(r.api_key_env, "DELTA_DEMO_LLM_KEY");
    EXPECT_TRUE(r.active);
    EXPECT_GE(r.timeout_seconds, 1);
    EXPECT_GT(r.max_tokens, 0);
    EXPECT_TRUE(std::regex_match(r.updated_at, rfc3339)) << r.updated_at;
  }
  auto structured = llm::to_route(one(llm::route("signal_evaluate")).rows.at(0));
  EXPECT_TRUE(structured.json_output);

  auto chains = llm::to_fallbacks(one(llm::all_fallbacks()));
  ASSERT_EQ(chains.size(), use_cases.size());
  for (auto& f : chains) {
    EXPECT_EQ(f.priority, 1);
    EXPECT_EQ(f.provider, "anthropic");
    EXPECT_EQ(f.model, "stub-fallback");
    EXPECT_EQ(f.base_url, "http://127.0.0.1:18090");
  }

  auto evaluators = llm::to_evaluators(one(llm::evaluators()));
  ASSERT_EQ(evaluators.size(), 2u);
  EXPECT_EQ(evaluators[0].name, "model-a");
  EXPECT_EQ(evaluators[1].name, "model-b");
  for (auto& e : evaluators) {
    EXPECT_TRUE(e.active);
    EXPECT_EQ(e.base_url.rfind("http://127.0.0.1:18090", 0), 0u) << e.base_url;
  }

  auto prices = llm::to_prices(one(llm::prices()));
  auto stub = std::find_if(prices.begin(), prices.end(), [](auto& p) {
    return p.provider == "openai_compat" && p.model == "stub-primary";
  });
  ASSERT_NE(stub, prices.end());
  EXPECT_DOUBLE_EQ(stub->input_per_million, 0.15);
  EXPECT_DOUBLE_EQ(stub->output_per_million, 0.60);
}

TEST_F(LlmRepositoryTest, NoColumnCanHoldAnApiKey) {
  // The schema stores environment variable names only.
  EXPECT_EQ(count("SELECT count(*) FROM information_schema.columns "
                  "WHERE table_name LIKE 'llm%' AND column_name IN ('api_key', 'api_key_encrypted')"),
            0);
  auto r = a_route();
  r.api_key_env = "sk-proj-abcdef0123456789";  // a key pasted into the name field
  auto reply = call_and_wait(*pool, llm::upsert_route(r));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
}

// ---- routes ----

TEST_F(LlmRepositoryTest, UpsertReplacesEveryColumnAndReadsBack) {
  auto before = llm::to_route(one(llm::route("explain")).rows.at(0));
  auto stored = llm::to_routes(one(llm::upsert_route(a_route("explain"))));
  ASSERT_EQ(stored.size(), 1u);
  auto got = llm::to_route(one(llm::route("explain")).rows.at(0));
  for (auto& r : {stored[0], got}) {
    EXPECT_EQ(r.use_case, "explain");
    EXPECT_EQ(r.provider, "ollama");
    EXPECT_EQ(r.model, "qwen2.5:7b");
    EXPECT_EQ(r.base_url, "http://localhost:11434/v1");
    EXPECT_EQ(r.api_key_env, "");  // stored as NULL
    EXPECT_EQ(r.max_tokens, 700);
    EXPECT_DOUBLE_EQ(r.temperature, 1.25);
    EXPECT_EQ(r.timeout_seconds, 45);
    EXPECT_TRUE(r.json_output);
    EXPECT_FALSE(r.active);
  }
  EXPECT_EQ(count("SELECT count(*) FROM llm_model_routing WHERE use_case = 'explain' AND api_key_env IS NULL"),
            1);
  EXPECT_GE(got.updated_at, before.updated_at);

  // Inactive routes are not loaded by the gateway, but stay readable for admins.
  auto active = llm::to_routes(one(llm::active_routes()));
  EXPECT_EQ(active.size(), use_cases.size() - 1);
  EXPECT_EQ(llm::to_routes(one(llm::all_routes())).size(), use_cases.size());

  // A second PUT with a key variable sets it again.
  auto again = a_route("explain");
  again.api_key_env = "OLLAMA_KEY_2";
  again.active = true;
  auto r2 = llm::to_routes(one(llm::upsert_route(again)));
  ASSERT_EQ(r2.size(), 1u);
  EXPECT_EQ(r2[0].api_key_env, "OLLAMA_KEY_2");
  EXPECT_TRUE(r2[0].active);
  EXPECT_EQ(llm::to_routes(one(llm::active_routes())).size(), use_cases.size());
}

TEST_F(LlmRepositoryTest, UnknownRouteIsAnEmptyResult) {
  EXPECT_TRUE(one(llm::route("no_such_use_case")).rows.empty());
}

TEST_F(LlmRepositoryTest, InvalidRoutesAreConstraintFailures) {
  auto expect_refused = [&](llm::route_row r, const char* what) {
    auto reply = call_and_wait(*pool, llm::upsert_route(r));
    ASSERT_FALSE(reply.ok()) << what;
    EXPECT_EQ(reply.error->kind, pg_failure::constraint) << what << ": " << reply.error->message;
    EXPECT_EQ(reply.error->sqlstate, "23514") << what;
  };
  auto r = a_route();
  r.use_case = "poetry";
  expect_refused(r, "unknown use case");
  r = a_route();
  r.provider = "gemini";
  expect_refused(r, "unknown provider");
  r = a_route();
  r.provider = "OpenAI";
  expect_refused(r, "provider names are case-sensitive");
  for (auto bad : {"lower_case", "1STARTS_WITH_DIGIT", "HAS-DASH", "HAS SPACE",
                   "A2345678901234567890123456789012345678901234567890123456789012345"}) {
    r = a_route();
    r.api_key_env = bad;
    expect_refused(r, bad);
  }
  r = a_route();
  r.temperature = 2.5;
  expect_refused(r, "temperature above 2");
  r = a_route();
  r.timeout_seconds = 0;
  expect_refused(r, "timeout 0");
  r = a_route();
  r.timeout_seconds = 601;
  expect_refused(r, "timeout 601");
  r = a_route();
  r.base_url = "ftp://example.com";
  expect_refused(r, "not http(s)");
  r = a_route();
  r.model = "a|b";
  expect_refused(r, "'|' would break the breaker key");

  // Nothing changed.
  auto explain = llm::to_route(one(llm::route("explain")).rows.at(0));
  EXPECT_EQ(explain.provider, "openai_compat");
  EXPECT_EQ(explain.model, "stub-primary");
}

// ---- fallbacks ----

TEST_F(LlmRepositoryTest, ReplacingFallbacksOrdersByTheGivenList) {
  std::vector<llm::fallback_row> chain{
      a_fallback("ollama", "qwen2.5:7b", "http://localhost:11434/v1"),
      a_fallback("openai", "gpt-4o-mini", "https://api.openai.com/v1", "OPENAI_API_KEY"),
      a_fallback("anthropic", "claude-haiku-4-5-20251001", "https://api.anthropic.com", "ANTHROPIC_API_KEY"),
  };
  auto reply = transaction(llm::replace_fallbacks("explain", chain));
  ASSERT_TRUE(reply.ok()) << reply.error->message;
  ASSERT_EQ(reply.results.size(), 3u);
  auto returned = llm::to_fallbacks(reply.results.back());
  auto got = llm::to_fallbacks(one(llm::fallbacks("explain")));
  for (auto* list : {&returned, &got}) {
    ASSERT_EQ(list->size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ((*list)[i].priority, static_cast<int>(i + 1));
      EXPECT_EQ((*list)[i].use_case, "explain");
      EXPECT_EQ((*list)[i].provider, chain[i].provider);
      EXPECT_EQ((*list)[i].model, chain[i].model);
      EXPECT_EQ((*list)[i].base_url, chain[i].base_url);
      EXPECT_EQ((*list)[i].api_key_env, chain[i].api_key_env);
    }
  }
  // Other use cases keep their chains.
  EXPECT_EQ(llm::to_fallbacks(one(llm::fallbacks("report_chat"))).size(), 1u);

  // An empty list clears the chain.
  reply = transaction(llm::replace_fallbacks("explain", {}));
  ASSERT_TRUE(reply.ok()) << reply.error->message;
  EXPECT_TRUE(one(llm::fallbacks("explain")).rows.empty());
}

TEST_F(LlmRepositoryTest, AFailingFallbackReplacementLeavesTheOldChain) {
  auto old_chain = llm::to_fallbacks(one(llm::fallbacks("deep_research")));
  ASSERT_EQ(old_chain.size(), 1u);
  std::vector<llm::fallback_row> chain{
      a_fallback("ollama", "qwen2.5:7b", "http://localhost:11434/v1"),
      a_fallback("gemini", "gemini-pro", "https://example.com"),  // invalid provider
  };
  auto reply = transaction(llm::replace_fallbacks("deep_research", chain));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);

  chain = {a_fallback("ollama", "qwen2.5:7b", "http://localhost:11434/v1", "bad-key-name")};
  reply = transaction(llm::replace_fallbacks("deep_research", chain));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);

  auto after = llm::to_fallbacks(one(llm::fallbacks("deep_research")));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].provider, old_chain[0].provider);
  EXPECT_EQ(after[0].model, old_chain[0].model);
  EXPECT_EQ(after[0].base_url, old_chain[0].base_url);
}

TEST_F(LlmRepositoryTest, FallbacksNeedAnExistingRoute) {
  pg_connection conn{db->url()};
  conn.exec_script("DELETE FROM llm_model_routing WHERE use_case = 'report_chat'");
  EXPECT_TRUE(one(llm::fallbacks("report_chat")).rows.empty());  // cascaded
  auto reply = transaction(
      llm::replace_fallbacks("report_chat", {a_fallback("ollama", "m", "http://localhost:11434/v1")}));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  EXPECT_EQ(reply.error->sqlstate, "23503");
}

TEST_F(LlmRepositoryTest, FallbackValuesNeedNoEscapingSurprises) {
  // Array literals carry quotes, backslashes, commas and braces intact.
  std::string model = R"(we"ird\mo,del{x} 'q')";
  auto reply = transaction(
      llm::replace_fallbacks("explain", {a_fallback("vllm", model, "http://localhost:8001/v1")}));
  ASSERT_TRUE(reply.ok()) << reply.error->message;
  auto got = llm::to_fallbacks(one(llm::fallbacks("explain")));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].model, model);
}

// ---- evaluators ----

TEST_F(LlmRepositoryTest, EvaluatorsKeepTheGivenOrder) {
  std::vector<llm::evaluator_row> list{an_evaluator("zeta"), an_evaluator("alpha", "anthropic"),
                                       an_evaluator("mid")};
  list[1].base_url = "https://api.anthropic.com";
  list[1].active = false;
  auto reply = transaction(llm::replace_evaluators(list));
  ASSERT_TRUE(reply.ok()) << reply.error->message;
  auto got = llm::to_evaluators(one(llm::evaluators()));
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].name, list[i].name);
    EXPECT_EQ(got[i].position, static_cast<int>(i + 1));
    EXPECT_EQ(got[i].provider, list[i].provider);
    EXPECT_EQ(got[i].model, list[i].model);
    EXPECT_EQ(got[i].base_url, list[i].base_url);
    EXPECT_EQ(got[i].api_key_env, "OPENAI_API_KEY");
    EXPECT_EQ(got[i].max_tokens, 300);
    EXPECT_EQ(got[i].timeout_seconds, 20);
    EXPECT_EQ(got[i].active, list[i].active);
  }

  // A duplicate name or an invalid row leaves the list as it was.
  reply = transaction(llm::replace_evaluators({an_evaluator("one"), an_evaluator("one")}));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  auto bad = an_evaluator("two");
  bad.timeout_seconds = 0;
  reply = transaction(llm::replace_evaluators({an_evaluator("one"), bad}));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  got = llm::to_evaluators(one(llm::evaluators()));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].name, "zeta");
}

// ---- prices ----

TEST_F(LlmRepositoryTest, PricesUpsertAndRefuseNegativeOrNaN) {
  one(llm::upsert_price({"ollama", "qwen2.5:7b", 0.0, 0.0}));
  one(llm::upsert_price({"openai", "gpt-4o-mini", 0.2, 0.8}));
  auto prices = llm::to_prices(one(llm::prices()));
  auto find = [&](const std::string& provider, const std::string& model) {
    return std::find_if(prices.begin(), prices.end(),
                        [&](auto& p) { return p.provider == provider && p.model == model; });
  };
  ASSERT_NE(find("ollama", "qwen2.5:7b"), prices.end());
  ASSERT_NE(find("openai", "gpt-4o-mini"), prices.end());
  EXPECT_DOUBLE_EQ(find("openai", "gpt-4o-mini")->input_per_million, 0.2);
  EXPECT_DOUBLE_EQ(find("openai", "gpt-4o-mini")->output_per_million, 0.8);

  for (double bad : {-1.0, std::nan("")}) {
    auto reply = call_and_wait(*pool, llm::upsert_price({"openai", "x", bad, 1.0}));
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error->kind, pg_failure::constraint) << reply.error->message;
  }
}

// ---- change detection ----

TEST_F(LlmRepositoryTest, VersionChangesWithEveryConfigChange) {
  auto v0 = llm::to_version(one(llm::version()));
  EXPECT_GT(v0.version, 0);
  EXPECT_TRUE(std::regex_match(v0.changed_at, rfc3339)) << v0.changed_at;
  EXPECT_EQ(llm::to_version(one(llm::version())).version, v0.version);  // reading does not change it

  one(llm::upsert_route(a_route("cohort_match")));
  auto v1 = llm::to_version(one(llm::version()));
  EXPECT_GT(v1.version, v0.version);

  // Deletes count too (max(updated_at) would miss an emptied chain).
  ASSERT_TRUE(transaction(llm::replace_fallbacks("cohort_match", {})).ok());
  auto v2 = llm::to_version(one(llm::version()));
  EXPECT_GT(v2.version, v1.version);

  ASSERT_TRUE(transaction(llm::replace_evaluators({an_evaluator("solo")})).ok());
  auto v3 = llm::to_version(one(llm::version()));
  EXPECT_GT(v3.version, v2.version);

  one(llm::upsert_price({"openai", "gpt-4o", 2.0, 8.0}));
  EXPECT_GT(llm::to_version(one(llm::version())).version, v3.version);

  // A failed change leaves it alone.
  auto v4 = llm::to_version(one(llm::version()));
  auto bad = a_route();
  bad.provider = "nope";
  EXPECT_FALSE(call_and_wait(*pool, llm::upsert_route(bad)).ok());
  EXPECT_EQ(llm::to_version(one(llm::version())).version, v4.version);
}

// ---- accounting ----

TEST_F(LlmRepositoryTest, InsertsOneCallWithItsValues) {
  auto c = a_call();
  c.outcome = "timeout";
  c.error_kind = "read_timeout";
  auto id = llm::to_count(one(llm::insert_call(c)));
  EXPECT_GT(id, 0);
  pg_connection conn{db->url()};
  auto res = conn.exec(
      "SELECT provider, model, use_case, outcome, latency_ms, prompt_tokens, completion_tokens, "
      "cost_usd::text, error_kind, abs(extract(epoch FROM now() - at)) < 60 FROM llm_calls WHERE id = $1",
      {std::to_string(id)});
  ASSERT_EQ(res.rows.size(), 1u);
  auto& row = res.rows[0];
  EXPECT_EQ(row[0], "openai_compat");
  EXPECT_EQ(row[1], "stub-primary");
  EXPECT_EQ(row[2], "explain");
  EXPECT_EQ(row[3], "timeout");
  EXPECT_EQ(row[4], "42");
  EXPECT_EQ(row[5], "100");
  EXPECT_EQ(row[6], "20");
  EXPECT_EQ(row[7], "0.000027");
  EXPECT_EQ(row[8], "read_timeout");
  EXPECT_EQ(row[9], "t");

  // No error kind is NULL.
  auto ok_id = llm::to_count(one(llm::insert_call(a_call())));
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls WHERE error_kind IS NULL AND id = " + std::to_string(ok_id)),
            1);
}

TEST_F(LlmRepositoryTest, InvalidCallsAreConstraintFailures) {
  for (auto outcome : {"success", "OK", ""}) {
    auto reply = call_and_wait(*pool, llm::insert_call(a_call(0, outcome)));
    ASSERT_FALSE(reply.ok()) << outcome;
    EXPECT_EQ(reply.error->kind, pg_failure::constraint) << outcome;
  }
  auto c = a_call();
  c.use_case = "poetry";
  auto reply = call_and_wait(*pool, llm::insert_call(c));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  c = a_call();
  c.cost_usd = -0.5;
  reply = call_and_wait(*pool, llm::insert_call(c));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls"), 0);
}

TEST_F(LlmRepositoryTest, BatchInsertsAThousandCallsInOneStatement) {
  std::vector<llm::call_row> calls;
  const std::vector<std::string> outcomes{"ok", "error", "timeout", "invalid_output", "breaker_open",
                                          "rate_limited"};
  auto base = now_ms() - 60'000;
  for (int i = 0; i < 1000; ++i) {
    auto c = a_call(base + i, outcomes[i % outcomes.size()]);
    c.use_case = use_cases[i % use_cases.size()];
    c.latency_ms = i;
    c.prompt_tokens = i * 2;
    c.completion_tokens = i * 3;
    c.cost_usd = i * 0.000001;
    if (c.outcome != "ok") c.error_kind = "kind_" + std::to_string(i % 5);
    calls.push_back(std::move(c));
  }
  auto r = one(llm::insert_calls(calls));
  EXPECT_EQ(r.affected, 1000);
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls"), 1000);
  EXPECT_EQ(count("SELECT sum(latency_ms) FROM llm_calls"), 999 * 1000 / 2);
  EXPECT_EQ(count("SELECT sum(completion_tokens) FROM llm_calls"), 3 * 999 * 1000 / 2);
  EXPECT_EQ(count("SELECT round(sum(cost_usd) * 1000000) FROM llm_calls"), 999 * 1000 / 2);
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls WHERE outcome = 'rate_limited'"), 166);
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls WHERE error_kind IS NULL"), 167);
  // `at` is the call's own time, to the millisecond.
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls WHERE at = 'epoch'::timestamptz + " + std::to_string(base + 7) +
                  " * interval '1 millisecond' AND latency_ms = 7"),
            1);
  // Today's rows are in today's partition, not the default.
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls_default"), 0);

  // An empty batch is a no-op; one bad row fails the whole batch.
  EXPECT_EQ(one(llm::insert_calls({})).affected, 0);
  std::vector<llm::call_row> mixed{a_call(), a_call(0, "exploded"), a_call()};
  auto reply = call_and_wait(*pool, llm::insert_calls(mixed));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls"), 1000);
}

// ---- partitions ----

TEST_F(LlmRepositoryTest, PartitionsExistForTodayAndTheWeekAhead) {
  auto parts = partitions();
  EXPECT_TRUE(contains(parts, "llm_calls_default"));
  for (int d = 0; d <= 7; ++d) EXPECT_TRUE(contains(parts, partition_of_day(d))) << partition_of_day(d);

  // Ensuring again creates only what is missing.
  EXPECT_EQ(llm::to_count(one(llm::ensure_call_partitions(7))), 0);
  EXPECT_EQ(llm::to_count(one(llm::ensure_call_partitions(10))), 3);
  EXPECT_TRUE(contains(partitions(), partition_of_day(10)));

  // Out-of-range arguments are refused, not honoured.
  auto reply = call_and_wait(*pool, llm::ensure_call_partitions(10000));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::query);
}

TEST_F(LlmRepositoryTest, RowsWithoutAPartitionLandInTheDefaultAndMoveWhenItIsCreated) {
  auto old_at = now_ms() - 100 * day_ms;
  one(llm::insert_calls({a_call(old_at), a_call(old_at + 1)}));
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls_default"), 2);

  EXPECT_GE(llm::to_count(one(llm::ensure_call_partitions(7, 120))), 100);
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls_default"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM " + partition_of_day(-100)), 2);
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls"), 2);
}

TEST_F(LlmRepositoryTest, DropBeforeRemovesWholeOldDaysOnly) {
  ASSERT_GE(llm::to_count(one(llm::ensure_call_partitions(7, 40))), 40);
  auto now = now_ms();
  one(llm::insert_calls({a_call(now - 35 * day_ms), a_call(now - 31 * day_ms), a_call(now - 2 * day_ms),
                         a_call(now)}));
  // A row far in the past with no partition sits in the default partition.
  one(llm::insert_call(a_call(now - 400 * day_ms)));
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls_default"), 1);
  EXPECT_TRUE(contains(partitions(), partition_of_day(-35)));

  auto dropped = llm::to_count(one(llm::drop_calls_older_than(30)));
  EXPECT_GE(dropped, 9);  // at least days -40 .. -31 minus the straddling one
  auto parts = partitions();
  EXPECT_FALSE(contains(parts, partition_of_day(-35)));
  EXPECT_FALSE(contains(parts, partition_of_day(-31)));
  EXPECT_TRUE(contains(parts, partition_of_day(-29)));
  EXPECT_TRUE(contains(parts, partition_of_day(0)));
  EXPECT_TRUE(contains(parts, partition_of_day(7)));
  EXPECT_TRUE(contains(parts, "llm_calls_default"));
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls"), 2);  // -2 days and now
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls_default"), 0);

  // Nothing more to drop; inserting today still works.
  EXPECT_EQ(llm::to_count(one(llm::drop_calls_older_than(30))), 0);
  one(llm::insert_call(a_call()));
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls"), 3);

  // An explicit cutoff in the future of every day drops them all (the default stays).
  EXPECT_GE(llm::to_count(one(llm::drop_calls_before("2999-01-01T00:00:00Z"))), 8);
  EXPECT_EQ(partitions(), std::vector<std::string>{"llm_calls_default"});
  EXPECT_EQ(count("SELECT count(*) FROM llm_calls"), 0);
  // And a later ensure brings today back.
  EXPECT_EQ(llm::to_count(one(llm::ensure_call_partitions(1))), 2);
}

TEST_F(LlmRepositoryTest, ConcurrentEnsureCallsFromSeveralNodesDoNotCollide) {
  // Two connections (two gateway nodes) create the same days at once: the
  // advisory lock serialises them, so together they create each day once.
  std::vector<std::future<pg_reply>> replies;
  std::vector<std::shared_ptr<std::promise<pg_reply>>> promises;
  for (int i = 0; i < 4; ++i) {
    auto p = std::make_shared<std::promise<pg_reply>>();
    replies.push_back(p->get_future());
    pool->call(llm::ensure_call_partitions(30, 30), [p](pg_reply r) { p->set_value(std::move(r)); });
    promises.push_back(std::move(p));
  }
  std::int64_t created = 0;
  for (auto& f : replies) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    auto r = f.get();
    ASSERT_TRUE(r.ok()) << r.error->message;
    created += llm::to_count(r.results.at(0));
  }
  EXPECT_EQ(created, 30 + 23);  // days -30..-1 and 8..30; 0..7 came with the migration
  EXPECT_EQ(partitions().size(), 1u + 61u);
}
