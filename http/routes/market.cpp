// Market routes (API.md "Market").
#include "http/api_error.hpp"
#include "http/edge.hpp"
#include "http/envelope.hpp"
#include "http/json_body.hpp"
#include "http/query.hpp"
#include "http/routes/json_views.hpp"
#include "http/routes/routes.hpp"

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
  ctx.ask(ctx.svc.market->get(), protocol::get_security_atom::value, ticker)
      .then(answer_with<protocol::security>(reply, 200, security_json),
            answer_error(reply, "Security"));
}

std::string next_link(const std::string& q, const pagination& page) {
  std::string link = "/api/v2/market/securities?limit=" + std::to_string(page.limit) +
                     "&offset=" + std::to_string(page.offset + page.limit);
  if (!q.empty()) {
    static constexpr char hex[] = "0123456789ABCDEF";
    link += "&q=";
    for (unsigned char c : q) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        link += static_cast<char>(c);
      } else {
        link += '%';
        link += hex[c >> 4];
        link += hex[c & 0xf];
      }
    }
  }
  return link;
}

void find_securities(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  query_params query{req.query};
  auto page = read_pagination(query);
  auto q = query.text("q", 100);
  if (!query.problems().empty())
    return reply->send(error_response(validation_error(query.problems()), req.request_id));
  protocol::security_query msg{q, static_cast<std::int32_t>(page.limit), page.offset};
  ctx.ask(ctx.svc.market->get(), protocol::find_securities_atom::value, msg)
      .then(
          [reply, page, q](const protocol::security_page& result) {
            std::optional<std::string> next;
            if (page.offset + static_cast<std::int64_t>(result.items.size()) < result.total)
              next = next_link(q, page);
            reply->send(ok_response(200, securities_json(result.items), reply->request_id(),
                                    page_meta{result.total, page.limit, page.offset}, next));
          },
          [reply](const caf::error& err) {
            reply->send(error_response(from_domain_error(err), reply->request_id()));
          });
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
  ctx.ask(ctx.svc.market->get(), protocol::create_security_atom::value, s)
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

}  // namespace

void add_market_routes(router& r) {
  r.get("/api/v2/market/securities")
      .summary("Search securities by ticker prefix or name", "market")
      .auth(auth_mode::any)
      .rate_group("market.read")
      .param({"q", "query", "string", "ticker prefix or name substring, case-insensitive"})
      .param({"limit", "query", "integer", "1..1000, default 50"})
      .param({"offset", "query", "integer", ">= 0, default 0"})
      .answers({200, 422, 503})
      .in_edge(find_securities);

  r.get("/api/v2/market/securities/{ticker}")
      .summary("One security by ticker", "market")
      .auth(auth_mode::any)
      .rate_group("market.read")
      .param({"ticker", "path", "string", "1..20 of A-Z 0-9 . - / (percent-encode /)", true})
      .answers({200, 404, 422, 503})
      .in_edge(get_security);

  r.post("/api/v2/market/securities")
      .summary("Create a security (admin or feature market_ingest)", "market")
      .auth(auth_mode::any)
      .feature("market_ingest")  // staff pass every feature check
      .json_body()
      .rate_group("market.write")
      .answers({201, 400, 401, 403, 409, 413, 415, 422, 429})
      .in_edge(create_security);
}

}  // namespace delta::http
