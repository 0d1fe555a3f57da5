// protocol/registration.cpp: every registered type survives CAF's binary
// serialisation, alone and inside a message, as it would between nodes.
#include "protocol/errors.hpp"
#include "protocol/health.hpp"
#include "protocol/auth.hpp"
#include "protocol/market.hpp"
#include "protocol/ratelimit.hpp"
#include "protocol/registration.hpp"
#include "protocol/signals.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>
#include <gtest/gtest.h>

#include <tuple>

using namespace delta::protocol;

namespace {

auto fields(const security& s) {
  return std::tie(s.security_id, s.ticker, s.name, s.security_type, s.exchange, s.currency,
                  s.active);
}
bool same(const security& a, const security& b) { return fields(a) == fields(b); }
bool same(const security_query& a, const security_query& b) {
  return std::tie(a.q, a.limit, a.offset) == std::tie(b.q, b.limit, b.offset);
}
bool same(const security_page& a, const security_page& b) {
  if (a.total != b.total || a.items.size() != b.items.size()) return false;
  for (std::size_t i = 0; i < a.items.size(); ++i)
    if (!same(a.items[i], b.items[i])) return false;
  return true;
}
bool same(const component_health& a, const component_health& b) {
  return std::tie(a.name, a.status, a.message, a.details) ==
         std::tie(b.name, b.status, b.message, b.details);
}
bool same(const health_report& a, const health_report& b) {
  if (a.components.size() != b.components.size()) return false;
  for (std::size_t i = 0; i < a.components.size(); ++i)
    if (!same(a.components[i], b.components[i])) return false;
  return true;
}
bool same(const std::vector<security>& a, const std::vector<security>& b) {
  return same(security_page{a, 0}, security_page{b, 0});
}

bool same(const new_security& a, const new_security& b) {
  return std::tie(a.ticker, a.name, a.security_type, a.exchange, a.currency) ==
         std::tie(b.ticker, b.name, b.security_type, b.exchange, b.currency);
}
bool same(const principal& a, const principal& b) {
  return std::tie(a.user_id, a.email, a.display_name, a.tier, a.role, a.auth_method, a.key_id,
                  a.key_prefix, a.expires_at) ==
         std::tie(b.user_id, b.email, b.display_name, b.tier, b.role, b.auth_method, b.key_id,
                  b.key_prefix, b.expires_at);
}
bool same(const user_view& a, const user_view& b) {
  return std::tie(a.user_id, a.email, a.display_name, a.tier, a.role, a.active) ==
         std::tie(b.user_id, b.email, b.display_name, b.tier, b.role, b.active);
}
bool same(const register_request& a, const register_request& b) {
  return std::tie(a.email, a.password, a.display_name) ==
         std::tie(b.email, b.password, b.display_name);
}
bool same(const login_result& a, const login_result& b) {
  return a.token == b.token && a.expires_at == b.expires_at && same(a.user, b.user);
}
bool same(const api_key_view& a, const api_key_view& b) {
  return std::tie(a.key_id, a.name, a.key, a.prefix, a.rate_limit_per_hour, a.created_at,
                  a.expires_at) == std::tie(b.key_id, b.name, b.key, b.prefix,
                                            b.rate_limit_per_hour, b.created_at, b.expires_at);
}
bool same(const std::vector<api_key_view>& a, const std::vector<api_key_view>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i])) return false;
  return true;
}
bool same(const key_query& a, const key_query& b) {
  return std::tie(a.user_id, a.limit, a.offset) == std::tie(b.user_id, b.limit, b.offset);
}
bool same(const api_key_page& a, const api_key_page& b) { return a.total == b.total && same(a.items, b.items); }
bool same(const tier_view& a, const tier_view& b) {
  return std::tie(a.tier, a.api_keys_max, a.rate_limit_per_hour, a.features) ==
         std::tie(b.tier, b.api_keys_max, b.rate_limit_per_hour, b.features);
}
bool same(const std::vector<tier_view>& a, const std::vector<tier_view>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i])) return false;
  return true;
}
bool same(const user_patch& a, const user_patch& b) {
  return a.tier == b.tier && a.role == b.role && a.active == b.active;
}
bool same(const tier_patch& a, const tier_patch& b) {
  return a.api_keys_max == b.api_keys_max && a.rate_limit_per_hour == b.rate_limit_per_hour;
}
bool same(const limit_spec& a, const limit_spec& b) {
  return std::tie(a.name, a.kind, a.count, a.period_ms, a.burst) ==
         std::tie(b.name, b.kind, b.count, b.period_ms, b.burst);
}
bool same(const admit_request& a, const admit_request& b) {
  if (a.cost != b.cost || a.limits.size() != b.limits.size()) return false;
  for (std::size_t i = 0; i < a.limits.size(); ++i)
    if (!same(a.limits[i], b.limits[i])) return false;
  return true;
}
bool same(const admit_decision& a, const admit_decision& b) {
  return std::tie(a.allowed, a.limit, a.remaining, a.reset_seconds, a.retry_after_seconds) ==
         std::tie(b.allowed, b.limit, b.remaining, b.reset_seconds, b.retry_after_seconds);
}

// ---- market data ----
bool same(const candle& a, const candle& b) {
  return std::tie(a.ts, a.open, a.high, a.low, a.close, a.volume) ==
         std::tie(b.ts, b.open, b.high, b.low, b.close, b.volume);
}
bool same(const indicator_spec& a, const indicator_spec& b);
bool same(const indicator_point& a, const indicator_point& b);
bool same(const indicator_series& a, const indicator_series& b);
template <class T>
bool same_items(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i])) return false;
  return true;
}
bool same(const std::vector<candle>& a, const std::vector<candle>& b) { return same_items(a, b); }
bool same(const candle_batch& a, const candle_batch& b) {
  return a.ticker == b.ticker && same(a.candles, b.candles);
}
bool same(const upsert_counts& a, const upsert_counts& b) {
  return std::tie(a.inserted, a.updated) == std::tie(b.inserted, b.updated);
}
bool same(const bar_range& a, const bar_range& b) {
  return std::tie(a.timeframe_seconds, a.from, a.to, a.limit) ==
         std::tie(b.timeframe_seconds, b.from, b.to, b.limit);
}
bool same(const price_query& a, const price_query& b) {
  return a.ticker == b.ticker && same(a.range, b.range) && a.offset == b.offset;
}
bool same(const candle_page& a, const candle_page& b) { return a.total == b.total && same(a.items, b.items); }
bool same(const indicator_spec& a, const indicator_spec& b) {
  return std::tie(a.kind, a.period, a.slow, a.signal, a.k, a.key) ==
         std::tie(b.kind, b.period, b.slow, b.signal, b.k, b.key);
}
bool same(const indicator_point& a, const indicator_point& b) {
  return std::tie(a.ts, a.a, a.b, a.c) == std::tie(b.ts, b.a, b.b, b.c);
}
bool same(const indicator_series& a, const indicator_series& b) {
  return same(a.spec, b.spec) && same_items(a.points, b.points);
}
bool same(const indicator_query& a, const indicator_query& b) {
  return a.ticker == b.ticker && same(a.range, b.range) && same_items(a.specs, b.specs);
}
bool same(const indicator_report& a, const indicator_report& b) { return same_items(a.series, b.series); }

indicator_spec macd_spec() {
  return {static_cast<std::uint8_t>(indicator_kind::macd), 12, 26, 9, 0, "macd:12:26:9"};
}
indicator_spec bbands_spec() {
  return {static_cast<std::uint8_t>(indicator_kind::bbands), 20, 0, 0, 2.5, "bbands:20:2.5"};
}
bar_range hourly_range() {
  bar_range r;
  r.timeframe_seconds = 3600;
  r.from = std::int64_t{1795341600};
  r.limit = 1000;
  return r;
}

security apple() {
  return {"42", "AAPL", "Apple Inc.", "equity", std::string{"NASDAQ"}, "USD", true};
}
security bitcoin() {  // no exchange, inactive, non-ASCII name
  return {"7", "BTC-USD", "Bitcoin \xe2\x82\xbf", "crypto", caf::none, "USD", false};
}
component_health database() {
  return {"database", "degraded", "some database connections are down",
          {{"pool_size", 4}, {"connected", 3}, {"reconnects", -1}}};
}

principal key_principal() {
  return {"0b9f6a52-3c1e-4d7a-9a55-0c4c1f7e2b11", "ana@example.com", "Ana \xc3\x9f", "entry",
          "user", "api_key", "5d2c", "dk_live_ab12cd34", 1893456000};
}
principal session_principal() {
  return {"u-2", "bo@example.com", "", "research", "admin", "session", "", "", 0};
}
user_view user() { return {"u-3", "cy@example.com", "Cy", "analyst", "internal", false}; }
api_key_view key_view(std::string secret) {
  return {"k-1", "ci key", std::move(secret), "dk_live_ab12cd34", 100, "2026-11-22T10:00:00Z", ""};
}
tier_view tier() { return {"professional", 3, 500, {"backtest", "explain", "research_reports"}}; }
user_patch full_patch() {
  user_patch p;
  p.tier = std::string{"entry"};
  p.role = std::string{"admin"};
  p.active = false;
  return p;
}
tier_patch half_patch() {
  tier_patch p;
  p.rate_limit_per_hour = std::int64_t{1000000};
  return p;
}
admit_request two_limits() {
  admit_request r;
  r.limits = {{"quota", limit_kind::hourly_quota, 100, 3600000, 0},
              {"group:explain", limit_kind::gcra, 10, 60000, 20}};
  r.cost = 3;
  return r;
}
admit_decision rejection() { return {false, 100, 0, 3599, 17}; }
new_security new_bitcoin() { return {"BTC-USD", "Bitcoin", "crypto", caf::none, "USD"}; }

class ProtocolRoundTrip : public ::testing::Test {
 protected:
  static caf::actor_system_config& configured(caf::actor_system_config& cfg) {
    cfg.set("scheduler.max-threads", 1);
    register_types(cfg);
    return cfg;
  }

  ProtocolRoundTrip() : sys{configured(cfg)} {}

  template <class T>
  T round_trip(T x) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    auto err = sink(x);
    EXPECT_FALSE(err) << sys.render(err);
    EXPECT_FALSE(buf.empty());
    T y{};
    caf::binary_deserializer source{sys, buf};
    err = source(y);
    EXPECT_FALSE(err) << sys.render(err);
    return y;
  }

  // Serialises make_message(x) the way the middleman does and reads it back.
  template <class T>
  void expect_message_round_trip(const T& x) {
    auto msg = caf::make_message(x);
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    auto err = sink(msg);
    ASSERT_FALSE(err) << "cannot serialise a message of " << typeid(T).name() << ": "
                      << sys.render(err);
    caf::message out;
    caf::binary_deserializer source{sys, buf};
    err = source(out);
    ASSERT_FALSE(err) << "cannot deserialise a message of " << typeid(T).name() << ": "
                      << sys.render(err);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out.match_element<T>(0)) << typeid(T).name();
    EXPECT_TRUE(same(out.get_as<T>(0), x)) << typeid(T).name();
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
};

}  // namespace

TEST_F(ProtocolRoundTrip, SecurityWithExchange) {
  EXPECT_TRUE(same(round_trip(apple()), apple()));
}

TEST_F(ProtocolRoundTrip, SecurityWithoutExchange) {
  auto back = round_trip(bitcoin());
  EXPECT_FALSE(back.exchange);
  EXPECT_TRUE(same(back, bitcoin()));
}

TEST_F(ProtocolRoundTrip, SecurityQuery) {
  security_query q{"app le%", 1000, 123456789012};
  EXPECT_TRUE(same(round_trip(q), q));
}

TEST_F(ProtocolRoundTrip, SecurityPage) {
  security_page page{{apple(), bitcoin()}, 2002};
  EXPECT_TRUE(same(round_trip(page), page));
  security_page empty{{}, 0};
  EXPECT_TRUE(same(round_trip(empty), empty));
}

TEST_F(ProtocolRoundTrip, ComponentHealth) {
  EXPECT_TRUE(same(round_trip(database()), database()));
}

TEST_F(ProtocolRoundTrip, HealthReport) {
  health_report report{{database(), {"cluster", "healthy", "ok", {}}}};
  EXPECT_TRUE(same(round_trip(report), report));
}

TEST_F(ProtocolRoundTrip, EveryRegisteredTypeCrossesNodesInsideAMessage) {
  expect_message_round_trip(apple());
  expect_message_round_trip(bitcoin());
  expect_message_round_trip(security_query{"q", 10, 20});
  expect_message_round_trip(security_page{{apple(), bitcoin()}, 2});
  expect_message_round_trip(std::vector<security>{apple(), bitcoin()});
  expect_message_round_trip(database());
  expect_message_round_trip(health_report{{database()}});
}

TEST_F(ProtocolRoundTrip, IdentityTypes) {
  EXPECT_TRUE(same(round_trip(key_principal()), key_principal()));
  EXPECT_TRUE(same(round_trip(session_principal()), session_principal()));
  EXPECT_TRUE(same(round_trip(user()), user()));
  register_request reg{"new@example.com", "correct horse battery", ""};
  EXPECT_TRUE(same(round_trip(reg), reg));
  login_result login{"ds_token", "2026-11-23T10:00:00Z", user()};
  EXPECT_TRUE(same(round_trip(login), login));
  EXPECT_TRUE(same(round_trip(key_view("dk_live_secret")), key_view("dk_live_secret")));
  EXPECT_TRUE(same(round_trip(tier()), tier()));
}

TEST_F(ProtocolRoundTrip, PatchesKeepWhichFieldsAreSet) {
  auto full = round_trip(full_patch());
  EXPECT_TRUE(same(full, full_patch()));
  ASSERT_TRUE(full.active);
  EXPECT_FALSE(*full.active);
  auto empty = round_trip(user_patch{});
  EXPECT_FALSE(empty.tier);
  EXPECT_FALSE(empty.role);
  EXPECT_FALSE(empty.active);
  auto half = round_trip(half_patch());
  EXPECT_FALSE(half.api_keys_max);
  ASSERT_TRUE(half.rate_limit_per_hour);
  EXPECT_EQ(*half.rate_limit_per_hour, 1000000);
}

TEST_F(ProtocolRoundTrip, RateLimitTypes) {
  auto back = round_trip(two_limits());
  EXPECT_TRUE(same(back, two_limits()));
  ASSERT_EQ(back.limits.size(), 2u);
  EXPECT_EQ(back.limits[0].kind, limit_kind::hourly_quota);
  EXPECT_EQ(back.limits[1].kind, limit_kind::gcra);
  limit_spec spec{"rate", limit_kind::gcra, 60, 60000, 120};
  EXPECT_TRUE(same(round_trip(spec), spec));
  EXPECT_TRUE(same(round_trip(rejection()), rejection()));
}

TEST_F(ProtocolRoundTrip, EveryIdentityAndRateLimitTypeCrossesNodesInsideAMessage) {
  expect_message_round_trip(new_bitcoin());
  expect_message_round_trip(key_principal());
  expect_message_round_trip(user());
  expect_message_round_trip(register_request{"a@b.c", "pw pw pw pw", "A"});
  expect_message_round_trip(login_result{"ds_x", "2026-11-23T10:00:00Z", user()});
  expect_message_round_trip(key_view(""));
  expect_message_round_trip(std::vector<api_key_view>{key_view(""), key_view("")});
  expect_message_round_trip(key_query{"00000000-0000-4000-8000-00000000de70", 1000, 7});
  expect_message_round_trip(api_key_page{{key_view(""), key_view("")}, 12});
  expect_message_round_trip(api_key_page{});
  expect_message_round_trip(tier());
  expect_message_round_trip(std::vector<tier_view>{tier(), {"free", 0, 0, {}}});
  expect_message_round_trip(full_patch());
  expect_message_round_trip(half_patch());
  expect_message_round_trip(limit_spec{"rate", limit_kind::gcra, 60, 60000, 120});
  expect_message_round_trip(two_limits());
  expect_message_round_trip(rejection());
}

TEST_F(ProtocolRoundTrip, EveryMarketDataTypeCrossesNodesInsideAMessage) {
  candle bar{1795341600, 100.25, 101.5, -3.75, 0.1, 1e-9};
  expect_message_round_trip(bar);
  expect_message_round_trip(std::vector<candle>{bar, {1795341660, 1, 2, 0.5, 1.5, 0}});
  expect_message_round_trip(candle_batch{"BTC-USD", {bar}});
  expect_message_round_trip(upsert_counts{9999, 1});
  expect_message_round_trip(hourly_range());
  expect_message_round_trip(bar_range{});  // from and to absent
  expect_message_round_trip(price_query{"BRK.B", hourly_range(), 2000});
  expect_message_round_trip(candle_page{{bar, {1795341660, 1, 2, 0.5, 1.5, 0}}, 4000});
  expect_message_round_trip(macd_spec());
  expect_message_round_trip(indicator_query{"AAPL", hourly_range(), {macd_spec(), bbands_spec()}});
  expect_message_round_trip(indicator_point{1795341600, 1.5, -2.5, 0.125});
  expect_message_round_trip(indicator_point{1795341600, 1.5, caf::none, caf::none});  // MACD before its signal
  indicator_series series{bbands_spec(), {{1795341600, 3, 2, 1}, {1795345200, 4, 3, 2}}};
  expect_message_round_trip(series);
  expect_message_round_trip(indicator_report{{series, {macd_spec(), {}}}});
  auto range = round_trip(hourly_range());
  EXPECT_FALSE(range.to);
  EXPECT_EQ(*range.from, 1795341600);
}

TEST_F(ProtocolRoundTrip, DeltaErrorsKeepTheirCodeAcrossNodes) {
  auto err = round_trip(make_error(errc::not_found, "ticker ZZZZ"));
  EXPECT_EQ(code_of(err), errc::not_found);
  EXPECT_EQ(err.category(), error_category);
  EXPECT_NE(sys.render(err).find("not_found"), std::string::npos) << sys.render(err);
}

TEST(ProtocolRegistration, IsNeededToSendProtocolTypesBetweenNodes) {
  // Without register_types the security does not come back out of the
  // bytes (CAF 0.17 only logs "cannot serialize message"): this is the
  // failure the round trips above guard against.
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{cfg};
  auto msg = caf::make_message(apple());
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto err = sink(msg);
  caf::message out;
  if (!err) {
    caf::binary_deserializer source{sys, buf};
    err = source(out);
  }
  bool came_back = !err && out.size() == 1 && out.match_element<security>(0) &&
                   same(out.get_as<security>(0), apple());
  EXPECT_FALSE(came_back);
}

TEST(ErrorCodes, MapCafFailuresOfTheTransportToUnavailable) {
  EXPECT_EQ(code_of(caf::error{}), errc::none);
  EXPECT_EQ(code_of(caf::make_error(caf::sec::request_timeout)), errc::unavailable);
  EXPECT_EQ(code_of(caf::make_error(caf::sec::request_receiver_down)), errc::unavailable);
  EXPECT_EQ(code_of(caf::make_error(caf::sec::cannot_connect_to_node)), errc::unavailable);
  EXPECT_EQ(code_of(caf::make_error(caf::sec::unexpected_message)), errc::internal);
  for (auto code : {errc::not_found, errc::conflict, errc::invalid, errc::unavailable,
                    errc::internal, errc::unauthorized, errc::forbidden})
    EXPECT_EQ(code_of(make_error(code)), code) << to_string(code);
}

// In the types' namespace: the fixture's template finds them by ADL.
namespace delta::protocol {
bool same(const signal_submission& a, const signal_submission& b) {
  auto f = [](const signal_submission& x) {
    return std::tie(x.owner_user_id, x.source, x.symbol, x.side, x.price, x.strategy, x.ts, x.profile, x.models);
  };
  return f(a) == f(b);
}
bool same(const signal_receipt& a, const signal_receipt& b) {
  return std::tie(a.event_id, a.status, a.received_ts) == std::tie(b.event_id, b.status, b.received_ts);
}
bool same(const signal_document& a, const signal_document& b) {
  return std::tie(a.event_id, a.owner_user_id, a.json) == std::tie(b.event_id, b.owner_user_id, b.json);
}
bool same(const signal_query& a, const signal_query& b) {
  return std::tie(a.owner_user_id, a.symbol, a.status, a.limit, a.offset) ==
         std::tie(b.owner_user_id, b.symbol, b.status, b.limit, b.offset);
}
bool same(const signal_page& a, const signal_page& b) {
  return std::tie(a.total, a.items_json) == std::tie(b.total, b.items_json);
}
}  // namespace delta::protocol

TEST_F(ProtocolRoundTrip, SignalTypesCrossNodesInsideAMessage) {
  signal_submission full{"u1", "tv", "BTC/USD", "long", 43210.5, "ema", "2026-01-02T03:04:05Z", "full_v1",
                         {"model-a", "model-b"}};
  signal_submission bare{"u1", "tv", "AAPL", "close", caf::none, "", "", "trend_follow_v1", {}};
  expect_message_round_trip(full);
  expect_message_round_trip(bare);
  expect_message_round_trip(signal_receipt{"e1", "received", "2026-11-22T10:00:00.123Z"});
  expect_message_round_trip(signal_document{"e1", "u1", R"({"status":"published"})"});
  expect_message_round_trip(signal_query{"u1", "AAPL", "dead", 20, 40});
  expect_message_round_trip(signal_page{3, "[]"});
}
