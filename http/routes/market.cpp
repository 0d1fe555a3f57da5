// Market routes (API.md "Market").
#include "http/api_error.hpp"
#include "http/edge.hpp"
#include "http/envelope.hpp"
#include "http/query.hpp"
#include "http/routes/json_views.hpp"
#include "http/routes/routes.hpp"

#include <caf/all.hpp>

namespace delta::http {

namespace {

constexpr const char* ticker_rule = "must be 1 to 20 characters of A-Z, 0-9, '.', '-', '/'";

void get_security(edge_context& ctx, request& req, path_params& params, reply_ptr reply) {
  auto& ticker = params.at(0).second;
  if (!valid_ticker(ticker))
    return reply->send(error_response(validation_error({{"ticker", ticker_rule}}), req.request_id));
  ctx.ask(ctx.svc.market->get(), protocol::get_security_atom::value, ticker)
      .then(
          [reply](const protocol::security& s) {
            reply->send(ok_response(200, security_json(s), reply->request_id()));
          },
          [reply](const caf::error& err) {
            reply->send(error_response(from_domain_error(err, "Security"), reply->request_id()));
          });
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

}  // namespace

void add_market_routes(router& r) {
  r.get("/api/v2/market/securities")
      .summary("Search securities by ticker prefix or name", "market")
      .auth(auth_mode::none)  // becomes any with the identity issue
      .param({"q", "query", "string", "ticker prefix or name substring, case-insensitive"})
      .param({"limit", "query", "integer", "1..1000, default 50"})
      .param({"offset", "query", "integer", ">= 0, default 0"})
      .answers({200, 422, 503})
      .in_edge(find_securities);

  r.get("/api/v2/market/securities/{ticker}")
      .summary("One security by ticker", "market")
      .auth(auth_mode::none)  // becomes any with the identity issue
      .param({"ticker", "path", "string", "1..20 of A-Z 0-9 . - / (percent-encode /)", true})
      .answers({200, 404, 422, 503})
      .in_edge(get_security);

  r.post("/api/v2/market/securities")
      .summary("Create a security (admin or feature market_ingest)", "market")
      .auth(auth_mode::admin)
      .json_body()
      .answers({201, 400, 401, 403, 409, 413, 415, 422})
      // Identity arrives with the auth issue; until then nobody is an admin.
      .in_edge([](edge_context&, request& req, path_params&, reply_ptr reply) {
        reply->send(error_response(make_api_error(error_code::unauthorized), req.request_id));
      });
}

}  // namespace delta::http
