// The signal pipeline's routes (API.md "Signals": POST /, GET /{event_id},
// GET /): ingest answers 202 only after the event is committed (the signals
// API actor's group commit); reads return the document PostgreSQL builds.
// /api/v1/signals (POST, GET by id) answers the same with Deprecation and
// Sunset headers (RFC 8594).
#include "http/routes/signals.hpp"

#include "core/uuid.hpp"
#include "http/api_error.hpp"
#include "http/edge.hpp"
#include "http/envelope.hpp"
#include "http/json_body.hpp"
#include "http/list_call.hpp"
#include "http/query.hpp"
#include "http/routes/routes.hpp"
#include "core/rfc3339.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>

#include <algorithm>
#include <regex>

namespace delta::http {

namespace json = boost::json;

namespace {

constexpr const char* ticker_rule = "must be 1 to 20 characters of A-Z, 0-9, '.', '-', '/'";
const std::vector<std::string> sides{"long", "short", "close"};
const std::vector<std::string> profiles{"trend_follow_v1", "crypto_perps_v1", "full_v1"};
const std::vector<std::string> statuses{"received", "enriched", "evaluated", "published", "failed", "dead"};
constexpr std::size_t max_models = 16;
// When /api/v1/signals stops answering (an HTTP-date, RFC 8594).
constexpr const char* v1_sunset = "Sat, 01 May 2027 00:00:00 GMT";

bool one_of(const std::vector<std::string>& names, const std::string& v) {
  return std::find(names.begin(), names.end(), v) != names.end();
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// An evaluator's name as llm_evaluators allows it.
bool evaluator_name(const std::string& name) {
  static const std::regex rule{"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"};
  return std::regex_match(name, rule);
}

// An instant as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (microseconds, PostgreSQL's precision).
std::string utc_text(const core::utc_instant& t) {
  auto text = core::format_rfc3339(t.seconds);  // "...SSZ"
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06uZ", static_cast<unsigned>(t.nanos / 1000));
  text.pop_back();
  return text + fraction;
}

void not_found(const reply_ptr& reply) {
  reply->send(error_response(make_api_error(error_code::not_found, "Signal not found."), reply->request_id()));
}

std::string signal_link(const std::string& event_id) { return "/api/v2/signals/" + event_id; }

// `models`: absent or null, else a list of distinct evaluator names. A wrong
// type is a 400 (returned); bad names are problems of the body (422).
std::optional<api_error> read_models(const request& req, json_body& body, std::vector<std::string>& out) {
  auto* v = req.json && req.json->is_object() ? req.json->as_object().if_contains("models") : nullptr;
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_array()) return make_api_error(error_code::bad_request, "models must be an array of strings.");
  auto& items = v->as_array();
  if (items.size() > max_models) body.add_problem("models", "at most " + std::to_string(max_models) + " entries");
  for (std::size_t i = 0; i < items.size() && i < max_models; ++i) {
    if (!items[i].is_string()) return make_api_error(error_code::bad_request, "models must be an array of strings.");
    std::string name{items[i].as_string()};
    auto field = "models[" + std::to_string(i) + "]";
    if (!evaluator_name(name)) body.add_problem(field, "must be an evaluator name: 1 to 64 of A-Z a-z 0-9 . _ : -, starting with a letter or digit");
    else if (one_of(out, name)) body.add_problem(field, "is listed twice");
    else out.push_back(std::move(name));
  }
  return std::nullopt;
}

void submit(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  json_body body{req};
  protocol::signal_submission s;
  s.owner_user_id = ctx.who->user_id;
  auto source = body.text("source", true, 1, 64);
  auto symbol = body.text("symbol", true, 1, 20);
  auto side = body.text("side", true, 1, 16);
  auto price = body.number("price", false, 0, 1e15);
  auto strategy = body.text("strategy", false, 1, 128);
  auto ts = body.text("ts", false, 1, 40);
  auto profile = body.text("profile", false, 1, 32);
  if (auto bad_type = read_models(req, body, s.models)) return reply->send(error_response(*bad_type, req.request_id));
  if (symbol && !valid_ticker(*symbol)) body.add_problem("symbol", ticker_rule);
  if (side && !one_of(sides, *side)) body.add_problem("side", "must be one of " + joined(sides));
  if (price && *price <= 0) body.add_problem("price", "must be greater than 0");
  auto instant = ts ? core::parse_rfc3339(*ts) : std::nullopt;
  if (ts && !instant) body.add_problem("ts", "must be an RFC 3339 timestamp");
  if (profile && !one_of(profiles, *profile)) body.add_problem("profile", "must be one of " + joined(profiles));
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  s.source = *source;
  s.symbol = *symbol;
  s.side = *side;
  if (price) s.price = *price;
  s.strategy = strategy.value_or("");
  // Stored as the UTC instant: PostgreSQL refuses offsets beyond ±15:59,
  // which RFC 3339 allows.
  s.ts = instant ? utc_text(*instant) : "";
  s.profile = profile.value_or("trend_follow_v1");
  ctx.ask(ctx.svc.get(protocol::signals_service), protocol::signal_submit_atom::value, std::move(s))
      .then(
          [reply](const protocol::signal_receipt& r) {
            auto data = json::serialize(
                json::object{{"event_id", r.event_id}, {"status", r.status}, {"received_ts", r.received_ts}});
            reply->send(ok_response(202, data, reply->request_id(), signal_link(r.event_id)));
          },
          answer_error(reply, "Signal"));
}

void get_signal(edge_context& ctx, request&, path_params& params, reply_ptr reply) {
  auto& id = params.at(0).second;
  if (!core::is_uuid(id)) return not_found(reply);
  ctx.ask(ctx.svc.get(protocol::signals_service), protocol::signal_get_atom::value, id)
      .then(
          [who = *ctx.who, reply](const protocol::signal_document& d) {
            // Others' events do not exist for the caller: the same 404 as an unknown id.
            if (who.role != "admin" && d.owner_user_id != who.user_id) return not_found(reply);
            reply->send(ok_response(200, d.json, reply->request_id()));
          },
          answer_error(reply, "Signal"));
}

void list_signals(edge_context& ctx, request&, path_params&, list_call& call) {
  auto& query = call.query();
  auto symbol = query.text("symbol", 20);
  auto status = query.text("status", 16);
  if (!symbol.empty() && !valid_ticker(symbol)) query.add_problem("symbol", ticker_rule);
  if (!status.empty() && !one_of(statuses, status)) query.add_problem("status", "must be one of " + joined(statuses));
  if (call.refuse_invalid()) return;
  auto& page = call.page();
  protocol::signal_query q{ctx.who->user_id, symbol, status, static_cast<std::int32_t>(page.limit), page.offset};
  ctx.ask(ctx.svc.get(protocol::signals_service), protocol::signal_list_atom::value, q)
      .then([call](const protocol::signal_page& p) { call.send(p.items_json, p.total); },
            answer_error(call.reply(), "Signal"));
}

// The v1 routes: the v2 handler, every answer marked deprecated.
actor_handler deprecated(actor_handler v2) {
  return [v2](edge_context& ctx, request& req, path_params& params, reply_ptr reply) {
    reply->add_headers({{"deprecation", "true"},
                        {"sunset", v1_sunset},
                        {"link", "</api/v2/signals>; rel=\"successor-version\""}});
    v2(ctx, req, params, std::move(reply));
  };
}

const param_doc event_id_param{"event_id", "path", "string", "the event's id (UUID)", true};

void add_submit(router& r, const std::string& path, actor_handler h, const std::string& summary) {
  r.post(path)
      .summary(summary, "signals")
      .auth(auth_mode::any)
      .feature("signals_submit")
      .json_body()
      .rate_group("signals.submit")
      .answers({202, 422})
      .in_edge(std::move(h));
}

void add_get(router& r, const std::string& path, actor_handler h, const std::string& summary) {
  r.get(path)
      .summary(summary, "signals")
      .auth(auth_mode::any)
      .param(event_id_param)
      .answers({200, 404, 429})
      .in_edge(std::move(h));
}

}  // namespace

void add_signals_routes(router& r) {
  add_submit(r, "/api/v2/signals", submit,
             "Submit a trading signal: 202 once committed; enriched, evaluated by every active evaluator "
             "(or `models`) and published on the decisions stream");
  r.get("/api/v2/signals")
      .summary("The caller's signals, newest first", "signals")
      .auth(auth_mode::any)
      .param({"symbol", "query", "string", "only this symbol"})
      .param({"status", "query", "string", "received, enriched, evaluated, published, failed or dead"})
      .answers({200, 429})
      .list(list_signals);
  add_get(r, "/api/v2/signals/{event_id}", get_signal,
          "A signal: status, timeline, enrichment (features, quality flags) and decisions (owner or admin)");
  add_submit(r, "/api/v1/signals", deprecated(submit), "Deprecated: POST /api/v2/signals (Deprecation, Sunset headers)");
  add_get(r, "/api/v1/signals/{event_id}", deprecated(get_signal),
          "Deprecated: GET /api/v2/signals/{event_id} (Deprecation, Sunset headers)");
}

}  // namespace delta::http
