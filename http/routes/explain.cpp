// POST /api/v2/signals/explain (API.md "Signals"): the LLM explanation of a
// text, through the gateway's `explain` use case.
#include "http/routes/explain.hpp"

#include "http/api_error.hpp"
#include "http/edge.hpp"
#include "http/envelope.hpp"
#include "http/json_body.hpp"
#include "http/routes/llm_views.hpp"
#include "http/routes/routes.hpp"

#include "telemetry/metrics_registry.hpp"

#include <caf/all.hpp>

namespace delta::http {

namespace {

constexpr const char* explain_system_prompt =
    "You explain trading signals, indicators and market terms to traders in plain language. "
    "Be accurate and brief (at most three short paragraphs). Do not give personal financial advice.";

// What Delta adds to an LLM call (issue 4's benchmark): the request's time
// from arrival to answer minus the answering provider call's own time, so
// retries, fallbacks and queueing inside deltad all count against us.
telemetry::histogram& gateway_added_latency() {
  static auto& h = telemetry::global_metrics()
                       .histogram_family("delta_llm_gateway_added_seconds",
                                         "Explain requests: time in deltad minus the provider call's time",
                                         {0.00005, 0.0001, 0.0002, 0.0003, 0.0005, 0.00075, 0.001, 0.0015,
                                          0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 1.0})
                       .with({});
  return h;
}

void explain(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  json_body body{req};
  auto text = body.text("text", true, 1, 4000);
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  protocol::llm_prompt prompt{"explain", explain_system_prompt, *text, 0, req.request_id};
  ctx.ask(ctx.svc.get(protocol::llm_service), protocol::llm_complete_atom::value, std::move(prompt))
      .then(
          [reply, received = req.received_at](const protocol::llm_answer& a) {
            reply->send(ok_response(200, explain_json(a), reply->request_id()));
            auto in_deltad = std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count();
            gateway_added_latency().observe(std::max(0.0, in_deltad - static_cast<double>(a.provider_us) / 1e6));
          },
          answer_error(reply, "Use case"));
}

}  // namespace

void add_explain_routes(router& r) {
  r.post("/api/v2/signals/explain")
      .summary("Explain a signal or market term in plain language (LLM use case explain)", "signals")
      .auth(auth_mode::none)  // anonymous callers are limited per IP; credentials, when sent, must be valid
      .json_body()
      .rate_group("explain")
      .deadline(std::chrono::seconds(65))
      .answers({200, 401, 422})
      .in_edge(explain);
}

}  // namespace delta::http
