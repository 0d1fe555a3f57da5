// Market routes (API.md "Market").
#include "http/routes/market.hpp"

#include "http/api_error.hpp"
#include "http/edge.hpp"
#include "http/envelope.hpp"
#include "http/json_body.hpp"
#include "http/list_call.hpp"
#include "http/query.hpp"
#include "http/routes/candle_body.hpp"
#include "http/routes/security_views.hpp"
#include "http/routes/market_data_views.hpp"
#include "http/routes/routes.hpp"

#include "domain/market/indicator_spec.hpp"
#include "core/timeframe.hpp"
#include "core/rfc3339.hpp"
#include "protocol/errors.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace delta::http {

namespace {

constexpr const char* ticker_rule = "must be 1 to 20 characters of A-Z, 0-9, '.', '-', '/'";

void get_security(edge_context& ctx, request& req, path_params& params, reply_ptr reply) {
  auto& ticker = params.at(0).second;
  if (!valid_ticker(ticker))
    return reply->send(error_response(validation_error({{"ticker", ticker_rule}}), req.request_id));
  ctx.ask(ctx.svc.get(protocol::market_service), protocol::get_security_atom::value, ticker)
      .then(answer_with<protocol::security>(reply, 200, security_json),
            answer_error(reply, "Security"));
}

void find_securities(edge_context& ctx, request&, path_params&, list_call& call) {
  auto q = call.query().text("q", 100);
  if (call.refuse_invalid()) return;
  auto& page = call.page();
  protocol::security_query msg{q, static_cast<std::int32_t>(page.limit), page.offset};
  ctx.ask(ctx.svc.get(protocol::market_service), protocol::find_securities_atom::value, msg)
      .then([call](const protocol::security_page& result) { call.send(securities_json(result.items), result.total); },
            answer_error(call.reply()));
}

void create_security(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  static const std::vector<std::string> types{"equity", "etf",   "crypto", "fx",
                                              "future", "index", "bond",   "fund"};
  json_body body{req};
  auto ticker = body.text("ticker", true, 1, 20);
  auto name = body.text("name", true, 1, 200);
  auto type = body.text("security_type", true, 1, 16);
  auto exchange = body.text("exchange", false, 1, 64);
  auto currency = body.text("currency", true, 3, 5);
  if (ticker && !valid_ticker(*ticker)) body.add_problem("ticker", ticker_rule);
  if (type && std::find(types.begin(), types.end(), *type) == types.end())
    body.add_problem("security_type", "must be one of equity, etf, crypto, fx, future, index, bond, fund");
  if (currency && !std::all_of(currency->begin(), currency->end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    body.add_problem("currency", "must be 3 to 5 capital letters, e.g. USD");
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  protocol::new_security s{*ticker, *name, *type, {}, *currency};
  if (exchange) s.exchange = *exchange;
  ctx.ask(ctx.svc.get(protocol::market_service), protocol::create_security_atom::value, s)
      .then(
          [reply](const protocol::security& created) {
            reply->send(ok_response(201, security_json(created), reply->request_id()));
          },
          [reply](const caf::error& err) {
            auto e = protocol::code_of(err) == protocol::errc::conflict
                         ? make_api_error(error_code::conflict, "A security with this ticker exists.")
                         : from_domain_error(err, "Security");
            reply->send(error_response(e, reply->request_id()));
          });
}

// ---- market data ----

// 400 when a field anywhere in the body has the wrong JSON type (naming all
// such fields), else 422 naming every invalid value, else nothing.
std::optional<api_error> ingest_error(json_body& body, candle_batch_parse& batch) {
  auto err = body.error();
  bool wrong_type = err && err->code == error_code::bad_request;
  if (!wrong_type && batch.type_problems.empty()) {
    for (auto& p : batch.problems) body.add_problem(std::move(p.field), std::move(p.problem));
    return body.error();
  }
  if (!wrong_type) err = make_api_error(error_code::bad_request, "A field has the wrong type.");
  err->details.insert(err->details.end(), batch.type_problems.begin(), batch.type_problems.end());
  return err;
}

void ingest_candles(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  json_body body{req};
  auto ticker = body.text("ticker", true, 1, 20);
  auto timeframe = body.text("timeframe", false, 1, 8);
  if (ticker && !valid_ticker(*ticker)) body.add_problem("ticker", ticker_rule);
  if (timeframe && *timeframe != "1m")
    body.add_problem("timeframe", "must be 1m: only 1-minute candles are stored, higher timeframes are resampled");
  auto batch = parse_candle_batch(req, 60);
  if (auto err = ingest_error(body, batch)) return reply->send(error_response(*err, req.request_id));
  ctx.ask(ctx.svc.get(protocol::market_service), protocol::ingest_candles_atom::value,
          protocol::candle_batch{*ticker, std::move(batch.candles)})
      .then(answer_with<protocol::upsert_counts>(reply, 200, upsert_counts_json),
            answer_error(reply, "Security"));
}

// An RFC 3339 query value as epoch seconds; `round_up` for lower bounds
// with a fraction (bars start on whole minutes, so nothing is lost).
std::optional<std::int64_t> read_time(query_params& query, const char* name, bool round_up) {
  auto text = query.get(name);
  if (!text) return std::nullopt;
  auto t = core::parse_rfc3339(*text);
  if (!t) {
    query.add_problem(name, "must be an RFC 3339 timestamp, e.g. 2026-11-22T10:00:00Z");
    return std::nullopt;
  }
  return t->seconds + (round_up && t->nanos > 0 ? 1 : 0);
}

struct range_query {
  protocol::bar_range range;
  std::string_view timeframe;  // its name, e.g. "1h"
};

// timeframe (default 1m), from, to.
range_query read_range(query_params& query) {
  range_query out{{}, "1m"};
  auto name = query.text("timeframe", 8, "1m");
  if (auto tf = core::parse_timeframe(name)) {
    out.range.timeframe_seconds = tf->seconds;
    out.timeframe = tf->name;
  } else {
    query.add_problem("timeframe", "must be one of " + std::string{core::timeframe_names});
  }
  auto from = read_time(query, "from", true);
  auto to = read_time(query, "to", false);
  if (from && to && *from > *to) query.add_problem("from", "must not be after to");
  if (from) out.range.from = *from;
  if (to) out.range.to = *to;
  return out;
}

// A list: `limit` bars after `offset` (see protocol::price_query), `total`
// the bars of the whole range.
void get_prices(edge_context& ctx, request&, path_params& params, list_call& call) {
  auto& ticker = params.at(0).second;
  if (!valid_ticker(ticker)) call.query().add_problem("ticker", ticker_rule);
  auto q = read_range(call.query());
  if (call.refuse_invalid()) return;
  q.range.limit = static_cast<std::int32_t>(call.page().limit);
  ctx.ask(ctx.svc.get(protocol::market_service), protocol::get_prices_atom::value,
          protocol::price_query{ticker, q.range, call.page().offset})
      .then([call](const protocol::candle_page& page) { call.send(candles_json(page.items), page.total); },
            answer_error(call.reply(), "Security"));
}

// The `indicators` parameter (required), e.g. ema:20,rsi:14.
std::vector<protocol::indicator_spec> read_specs(query_params& query) {
  if (!query.get("indicators")) {
    query.add_problem("indicators", "is required, e.g. indicators=ema:20,rsi:14");
    return {};
  }
  auto known = query.problems().size();
  auto text = query.text("indicators", 200);
  if (query.problems().size() > known) return {};  // too long or not text: already named
  auto parsed = market::parse_indicator_specs(text);
  for (auto& problem : parsed.problems) query.add_problem("indicators", std::move(problem));
  return std::move(parsed.specs);
}

void get_indicators(edge_context& ctx, request& req, path_params& params, reply_ptr reply) {
  auto& ticker = params.at(0).second;
  query_params query{req.query};
  if (!valid_ticker(ticker)) query.add_problem("ticker", ticker_rule);
  auto q = read_range(query);
  q.range.limit = static_cast<std::int32_t>(query.integer("limit", 1, 1000, 50));
  auto specs = read_specs(query);
  if (!query.problems().empty())
    return reply->send(error_response(validation_error(query.problems()), req.request_id));
  ctx.ask(ctx.svc.get(protocol::market_service), protocol::get_indicators_atom::value,
          protocol::indicator_query{ticker, q.range, std::move(specs)})
      .then(
          [reply, ticker, timeframe = q.timeframe](const protocol::indicator_report& report) {
            reply->send(ok_response(200, indicators_json(ticker, timeframe, report), reply->request_id()));
          },
          answer_error(reply, "Security"));
}

}  // namespace

void add_market_routes(router& r) {
  r.get("/api/v2/market/securities")
      .summary("Search securities by ticker prefix or name", "market")
      .auth(auth_mode::any)
      .rate_group("market.read")
      .param({"q", "query", "string", "ticker prefix or name substring, case-insensitive"})
      .answers({200})
      .list(find_securities);

  r.get("/api/v2/market/securities/{ticker}")
      .summary("One security by ticker", "market")
      .auth(auth_mode::any)
      .rate_group("market.read")
      .param({"ticker", "path", "string", "1..20 of A-Z 0-9 . - / (percent-encode /)", true})
      .answers({200, 404, 422})
      .in_edge(get_security);

  r.post("/api/v2/market/securities")
      .summary("Create a security (admin or feature market_ingest)", "market")
      .auth(auth_mode::any)
      .feature("market_ingest")  // staff pass every feature check
      .json_body()
      .rate_group("market.write")
      .answers({201, 409, 422})
      .in_edge(create_security);

  r.post("/api/v2/market/candles")
      .summary("Upsert 1-minute candles of a ticker (admin or feature market_ingest): "
               "{ticker, timeframe: \"1m\", candles: [{ts, open, high, low, close, volume}]} "
               "-> {inserted, updated}; at most 10,000 candles, ts distinct and on whole minutes, "
               "high >= max(open, close), low <= min(open, close), volume >= 0", "market")
      .auth(auth_mode::any)
      .feature("market_ingest")  // staff pass every feature check
      .json_body()
      .rate_group("market.write")
      .answers({200, 404, 422})
      .in_edge(ingest_candles);

  const param_doc range_params[] = {
      {"timeframe", "query", "string", "1m, 5m, 15m, 1h, 4h or 1d (default 1m); higher ones are "
                                       "resampled from 1m in buckets aligned to midnight UTC"},
      {"from", "query", "string", "RFC 3339 (percent-encode '+' as %2B); bars starting at or "
                                  "after it, the first `limit` of them"},
      {"to", "query", "string", "RFC 3339; bars starting at or before it; without `from`, the "
                                "latest `limit` of them"}};

  auto prices = r.get("/api/v2/market/prices/{ticker}");
  prices.summary("OHLCV bars of a ticker, ascending; a list: meta.total counts the range's bars, "
                 "`offset` skips bars from `from` on, or without `from` back from the newest "
                 "(each page ascending)", "market")
      .auth(auth_mode::any)
      .rate_group("market.read")
      .param({"ticker", "path", "string", "1..20 of A-Z 0-9 . - / (percent-encode /)", true});
  for (auto& p : range_params) prices.param(p);
  prices.answers({200, 404}).list(get_prices);

  auto indicators = r.get("/api/v2/market/indicators/{ticker}");
  indicators.summary("Indicator series of a ticker (SMA, EMA, RSI, MACD, ATR, Bollinger), "
                     "computed over the bars up to `to` with a bounded warm-up, points for the "
                     "bars of the range", "market")
      .auth(auth_mode::any)
      .rate_group("market.read")
      .param({"ticker", "path", "string", "1..20 of A-Z 0-9 . - / (percent-encode /)", true})
      .param({"indicators", "query", "string",
              "comma-separated, at most 10: sma:N, ema:N, rsi:N, atr:N (N 1..500), "
              "macd:FAST:SLOW:SIGNAL (FAST < SLOW), bbands:N:K (N 2..500, 0 < K <= 10)", true});
  for (auto& p : range_params) indicators.param(p);
  indicators.param({"limit", "query", "integer", "bars of the range, 1..1000 (default 50)"});
  indicators.answers({200, 404, 422}).in_edge(get_indicators);
}

}  // namespace delta::http
