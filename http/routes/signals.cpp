// Signal routes (API.md "Signals"). The LLM explanation of a text, through
// the gateway's `explain` use case.
#include "http/api_error.hpp"
#include "http/edge.hpp"
#include "http/envelope.hpp"
#include "http/json_body.hpp"
#include "http/routes/llm_views.hpp"
#include "http/routes/routes.hpp"

#include <caf/all.hpp>

namespace delta::http {

namespace {

constexpr const char* explain_system_prompt =
    "You explain trading signals, indicators and market terms to traders in plain language. "
    "Be accurate and brief (at most three short paragraphs). Do not give personal financial advice.";

void explain(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  json_body body{req};
  auto text = body.text("text", true, 1, 4000);
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  protocol::llm_prompt prompt{"explain", explain_system_prompt, *text, 0, req.request_id};
  ctx.ask(ctx.svc.llm->get(), protocol::llm_complete_atom::value, std::move(prompt))
      .then(answer_with<protocol::llm_answer>(reply, 200, explain_json), answer_error(reply, "Use case"));
}

}  // namespace

void add_signals_routes(router& r) {
  r.post("/api/v2/signals/explain")
      .summary("Explain a signal or market term in plain language (LLM use case explain)", "signals")
      .auth(auth_mode::none)  // anonymous callers are limited per IP; credentials, when sent, must be valid
      .json_body()
      .rate_group("explain")
      .deadline(std::chrono::seconds(65))
      .answers({200, 400, 401, 413, 415, 422, 429, 503})
      .in_edge(explain);
}

}  // namespace delta::http
