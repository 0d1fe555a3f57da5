// protocol/registration.cpp: every type registered to cross nodes has a
// sample here that survives CAF's binary serialisation inside a message (as
// the middleman sends it), and no registered type is left without one.
// Field-by-field checks of the older types are in round_trip_test.cpp.
#include "protocol/auth.hpp"
#include "protocol/cluster.hpp"
#include "protocol/entity.hpp"
#include "protocol/health.hpp"
#include "protocol/jobs.hpp"
#include "protocol/llm.hpp"
#include "protocol/market.hpp"
#include "protocol/ratelimit.hpp"
#include "protocol/registration.hpp"
#include "protocol/signals.hpp"
#include "protocol/stream.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>
#include <caf/message.hpp>
#include <gtest/gtest.h>

#include <set>
#include <typeindex>

using namespace delta::protocol;

namespace {

caf::actor_system_config& configured(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", 1);
  register_types(cfg);
  return cfg;
}

class RegisteredTypes : public ::testing::Test {
 protected:
  RegisteredTypes() : sys{configured(cfg)} {}

  // x inside a message, serialised and read back, prints the same.
  template <class T>
  void expect_crosses(const T& x) {
    checked.insert(std::type_index(typeid(T)));
    auto msg = caf::make_message(x);
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    auto err = sink(msg);
    ASSERT_FALSE(err) << "cannot serialise " << typeid(T).name() << ": " << sys.render(err);
    caf::message out;
    caf::binary_deserializer source{sys, buf};
    err = source(out);
    ASSERT_FALSE(err) << "cannot deserialise " << typeid(T).name() << ": " << sys.render(err);
    ASSERT_TRUE(out.match_elements<T>()) << typeid(T).name();
    EXPECT_EQ(caf::deep_to_string(out.get_as<T>(0)), caf::deep_to_string(x));
  }

  // Registered delta types, without the vector<T>/stream<T> CAF adds for each.
  std::set<std::string> registered_without_sample() const {
    std::set<std::string> missing;
    for (auto& [rtti, name] : cfg.type_names_by_rtti) {
      if (name.rfind("delta.", 0) != 0) continue;
      if (!checked.count(rtti)) missing.insert(name);
    }
    return missing;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  std::set<std::type_index> checked;
};

llm_endpoint_config endpoint_config() {
  llm_endpoint_config e;
  e.provider = "anthropic";
  e.model = "claude-x";
  e.base_url = "https://llm.example/v1";
  e.api_key = std::string{"sk-secret"};
  e.api_key_env = std::string{"DELTA_KEY"};
  e.api_key_configured = true;
  return e;
}

breaker_view open_breaker() {
  breaker_view b;
  b.provider = "openai_compat";
  b.model = "m";
  b.base_url = "http://127.0.0.1:9";
  b.state = "open";
  b.failures = 5;
  b.opened_at = "2026-12-04T10:00:00Z";
  b.retry_at = "2026-12-04T10:01:00Z";
  b.in_flight = 3;
  return b;
}

job_view job() {
  job_view j;
  j.job_id = "6f1c7a3e-0000-4000-8000-000000000001";
  j.kind = "research_report";
  j.owner = "u-1";
  j.status = "succeeded";
  j.progress = 100;
  j.attempts = 2;
  j.max_attempts = 5;
  j.result = std::string{R"({"content":"\u00fc"})"};
  j.error = std::string{"first attempt: provider timeout"};
  j.created_at = "2026-12-04T10:00:00Z";
  j.started_at = std::string{"2026-12-04T10:00:01Z"};
  j.finished_at = std::string{"2026-12-04T10:00:09Z"};
  return j;
}

}  // namespace

TEST_F(RegisteredTypes, EveryRegisteredTypeCrossesNodesIntact) {
  // ---- llm ----
  llm_prompt prompt;
  prompt.use_case = "explain";
  prompt.system = "be brief";
  prompt.user = "why \xe2\x82\xbf?";
  prompt.max_tokens = 300;
  prompt.request_id = "r-1";
  expect_crosses(prompt);
  expect_crosses(llm_direct_prompt{"model-a", prompt});
  llm_answer answer;
  answer.text = "because";
  answer.provider = "anthropic";
  answer.model = "claude-x";
  answer.latency_ms = 812;
  answer.total_ms = 1020;
  answer.prompt_tokens = 40;
  answer.completion_tokens = 9;
  answer.cost_usd = 0.0125;
  answer.attempts = 2;
  answer.provider_us = 812345;
  expect_crosses(answer);
  expect_crosses(endpoint_config());
  expect_crosses(llm_endpoint_list{endpoint_config(), llm_endpoint_config{}});
  llm_route_config route;
  route.use_case = "report_generate";
  route.endpoint = endpoint_config();
  route.max_tokens = 2048;
  route.temperature = 0.25;
  route.timeout_seconds = 90;
  route.json_output = true;
  route.active = false;
  route.updated_at = "2026-12-04T10:00:00Z";
  expect_crosses(route);
  llm_evaluator_config evaluator;
  evaluator.name = "model-a";
  evaluator.endpoint = endpoint_config();
  evaluator.max_tokens = 256;
  evaluator.timeout_seconds = 20;
  evaluator.active = false;
  expect_crosses(evaluator);
  expect_crosses(llm_evaluator_list{evaluator});
  expect_crosses(open_breaker());
  expect_crosses(breaker_list{open_breaker(), breaker_view{}});
  expect_crosses(gate_pass{true, 17, true, 3, ""});
  expect_crosses(gate_outcome{17, true, 3, false});

  // ---- jobs ----
  expect_crosses(job());
  job_request request;
  request.kind = "backtest";
  request.payload = R"({"ticker":"AAPL"})";
  request.owner = "u-1";
  request.priority = 3;
  request.max_attempts = 2;
  request.delay_ms = 1500;
  request.unique_key = "backtest:u-1:AAPL";
  expect_crosses(request);
  job_query query;
  query.status = "dead";
  query.limit = 10;
  query.offset = 20;
  expect_crosses(query);
  expect_crosses(job_page{{job(), job_view{}}, 42});
  job_event event;
  event.job_id = "j-1";
  event.kind = "noop";
  event.owner = "u-1";
  event.status = "running";
  event.progress = 40;
  event.result = std::string{"{}"};
  event.error = std::string{"e"};
  expect_crosses(event);

  // ---- entities, stream, signals ----
  expect_crosses(region_counts{5, 9, 3, 1});
  expect_crosses(member_view{"node-a1b2", "draining", true});
  expect_crosses(member_list{member_view{"n-1", "up", false}});
  expect_crosses(stream_event{"decisions", "u-1", "AAPL", "model-a", "decision", "", R"({"x":1})"});
  expect_crosses(stream_filter{"jobs", "", "", "", "j-1"});
  signal_submission submission;
  submission.owner_user_id = "u-1";
  submission.source = "tv";
  submission.symbol = "BTC-USD";
  submission.side = "long";
  submission.price = 64000.5;
  submission.strategy = "breakout";
  submission.ts = "2026-12-04T10:00:00Z";
  submission.profile = "crypto_perps_v1";
  submission.models = {"model-a", "model-b"};
  expect_crosses(submission);
  expect_crosses(signal_receipt{"e-1", "received", "2026-12-04T10:00:00Z"});
  expect_crosses(signal_document{"e-1", "u-1", R"({"event_id":"e-1"})"});
  expect_crosses(signal_query{"u-1", "AAPL", "published", 10, 20});
  expect_crosses(signal_page{3, R"([{"event_id":"e-1"}])"});

  // ---- market ----
  security apple{"42", "AAPL", "Apple Inc.", "equity", std::string{"NASDAQ"}, "USD", true};
  expect_crosses(apple);
  expect_crosses(std::vector<security>{apple});
  expect_crosses(security_query{"AA", 10, 20});
  expect_crosses(security_page{{apple}, 1});
  expect_crosses(new_security{"BTC-USD", "Bitcoin", "crypto", caf::none, "USD"});
  candle c{1795341600, 1, 2, 0.5, 1.5, 1000};
  expect_crosses(c);
  expect_crosses(std::vector<candle>{c, c});
  expect_crosses(candle_batch{"AAPL", {c}});
  expect_crosses(upsert_counts{3, 4});
  bar_range range;
  range.timeframe_seconds = 3600;
  range.from = std::int64_t{1795341600};
  range.limit = 1000;
  expect_crosses(range);
  expect_crosses(price_query{"AAPL", range, 100});
  expect_crosses(candle_page{{c, c}, 720});
  indicator_spec macd{3, 12, 26, 9, 0, "macd:12:26:9"};
  expect_crosses(macd);
  expect_crosses(indicator_query{"AAPL", range, {macd}});
  indicator_point point{1795341600, 1.5, 2.5, -1};
  expect_crosses(point);
  expect_crosses(indicator_series{macd, {point}});
  expect_crosses(indicator_report{{indicator_series{macd, {point}}}});

  // ---- identity, rate limits, health ----
  principal who{"u-1", "ana@example.com", "Ana", "entry", "user", "api_key", "k-1", "dk_live_ab12cd34", 1893456000};
  expect_crosses(who);
  user_view user{"u-3", "cy@example.com", "Cy", "analyst", "internal", false};
  expect_crosses(user);
  expect_crosses(register_request{"a@example.com", "correct horse", "A"});
  expect_crosses(login_result{"tok", "2026-12-05T10:00:00Z", user});
  api_key_view key{"k-1", "ci", "dk_live_x", "dk_live_ab12cd34", 100, "2026-12-04T10:00:00Z", ""};
  expect_crosses(key);
  expect_crosses(std::vector<api_key_view>{key});
  expect_crosses(key_query{"u-1", 10, 20});
  expect_crosses(api_key_page{{key}, 11});
  tier_view tier{"professional", 3, 500, {"backtest", "explain"}};
  expect_crosses(tier);
  expect_crosses(std::vector<tier_view>{tier});
  user_patch patch;
  patch.active = false;
  expect_crosses(patch);
  tier_patch tpatch;
  tpatch.rate_limit_per_hour = std::int64_t{1000};
  expect_crosses(tpatch);
  limit_spec quota{"quota", limit_kind::hourly_quota, 100, 3600000, 0};
  expect_crosses(quota);
  expect_crosses(admit_request{{quota}, 2});
  expect_crosses(admit_decision{false, 100, 0, 3599, 17});
  component_health db{"database", "degraded", "some connections are down", {{"pool_size", 4}}};
  expect_crosses(db);
  expect_crosses(std::vector<component_health>{db});
  health_report report;
  report.components = {db};
  report.llm_endpoints = {open_breaker()};
  expect_crosses(report);

  EXPECT_EQ(registered_without_sample(), std::set<std::string>{})
      << "a type registered in protocol/registration.cpp has no sample here";
}
