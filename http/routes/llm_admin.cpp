// LLM gateway administration (API.md "Platform": /admin/llm/...): routing
// rows, fallback chains, evaluators and the breakers. Changes are stored by
// the gateway, which reloads at once; other nodes follow within seconds.
#include "http/routes/llm_admin.hpp"

#include "http/api_error.hpp"
#include "http/edge.hpp"
#include "http/envelope.hpp"
#include "http/json_body.hpp"
#include "http/list_call.hpp"
#include "http/routes/llm_views.hpp"
#include "http/routes/routes.hpp"

#include <caf/all.hpp>

namespace delta::http {

namespace {

protocol::llm_admin_actor llm_admin(const edge_context& ctx) { return ctx.svc.get(protocol::llm_admin_service); }

void get_route(edge_context& ctx, request&, path_params& params, reply_ptr reply) {
  ctx.ask(llm_admin(ctx), protocol::llm_get_route_atom::value, params.at(0).second)
      .then(answer_with<protocol::llm_route_config>(reply, 200, llm_route_json),
            answer_error(reply, "Route"));
}

void put_route(edge_context& ctx, request& req, path_params& params, reply_ptr reply) {
  json_body body{req};
  auto route = read_route(body, params.at(0).second);
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  ctx.ask(llm_admin(ctx), protocol::llm_put_route_atom::value, std::move(route))
      .then(answer_with<protocol::llm_route_config>(reply, 200, llm_route_json),
            answer_error(reply, "Use case"));
}

void get_fallbacks(edge_context& ctx, request&, path_params& params, list_call& call) {
  if (call.refuse_invalid()) return;
  ctx.ask(llm_admin(ctx), protocol::llm_get_fallbacks_atom::value, params.at(0).second)
      .then(call.slice_of_answer<protocol::llm_endpoint_list>(llm_endpoints_json), answer_error(call.reply(), "Use case"));
}

void put_fallbacks(edge_context& ctx, request& req, path_params& params, list_call& call) {
  json_body body{req};
  auto chain = read_fallbacks(body);
  if (auto err = body.error()) return call.reply()->send(error_response(*err, req.request_id));
  if (call.refuse_invalid()) return;
  ctx.ask(llm_admin(ctx), protocol::llm_put_fallbacks_atom::value, params.at(0).second, std::move(chain))
      .then(call.slice_of_answer<protocol::llm_endpoint_list>(llm_endpoints_json),
            answer_error(call.reply(), "Route of the use case"));
}

void get_evaluators(edge_context& ctx, request&, path_params&, list_call& call) {
  if (call.refuse_invalid()) return;
  ctx.ask(llm_admin(ctx), protocol::llm_get_evaluators_atom::value)
      .then(call.slice_of_answer<protocol::llm_evaluator_list>(llm_evaluators_json), answer_error(call.reply(), "Evaluator"));
}

void put_evaluators(edge_context& ctx, request& req, path_params&, list_call& call) {
  json_body body{req};
  auto list = read_evaluators(body);
  if (auto err = body.error()) return call.reply()->send(error_response(*err, req.request_id));
  if (call.refuse_invalid()) return;
  ctx.ask(llm_admin(ctx), protocol::llm_put_evaluators_atom::value, std::move(list))
      .then(call.slice_of_answer<protocol::llm_evaluator_list>(llm_evaluators_json), answer_error(call.reply(), "Evaluator"));
}

void get_breakers(edge_context& ctx, request&, path_params&, list_call& call) {
  if (call.refuse_invalid()) return;
  ctx.ask(llm_admin(ctx), protocol::llm_breakers_atom::value)
      .then(call.slice_of_answer<protocol::breaker_list>(breakers_json), answer_error(call.reply(), "Breaker"));
}

const param_doc use_case_param{"use_case", "path", "string",
                               "explain, cohort_match, report_chat, deep_research, signal_classify, "
                               "report_generate or signal_evaluate",
                               true};

}  // namespace

void add_llm_admin_routes(router& r) {
  r.get("/api/v2/platform/admin/llm/routes/{use_case}")
      .summary("A use case's LLM routing row (never its key)", "admin")
      .auth(auth_mode::admin)
      .rate_group("admin")
      .param(use_case_param)
      .answers({200, 404})
      .in_edge(get_route);
  r.put("/api/v2/platform/admin/llm/routes/{use_case}")
      .summary("Replace a use case's routing row (effective within 5 s)", "admin")
      .auth(auth_mode::admin)
      .json_body()
      .rate_group("admin")
      .param(use_case_param)
      .answers({200, 404, 422})
      .in_edge(put_route);
  r.get("/api/v2/platform/admin/llm/fallbacks/{use_case}")
      .summary("A use case's fallback chain, in order", "admin")
      .auth(auth_mode::admin)
      .rate_group("admin")
      .param(use_case_param)
      .answers({200, 404})
      .list(get_fallbacks);
  r.put("/api/v2/platform/admin/llm/fallbacks/{use_case}")
      .summary("Replace a use case's fallback chain: a JSON array, or {fallbacks: [...]}", "admin")
      .auth(auth_mode::admin)
      .json_body()
      .rate_group("admin")
      .param(use_case_param)
      .answers({200, 404})
      .list(put_fallbacks);
  r.get("/api/v2/platform/admin/llm/evaluators")
      .summary("The evaluators that judge every signal, in order", "admin")
      .auth(auth_mode::admin)
      .rate_group("admin")
      .answers({200})
      .list(get_evaluators);
  r.put("/api/v2/platform/admin/llm/evaluators")
      .summary("Replace the evaluators: a JSON array, or {evaluators: [...]}", "admin")
      .auth(auth_mode::admin)
      .json_body()
      .rate_group("admin")
      .answers({200})
      .list(put_evaluators);
  r.get("/api/v2/platform/admin/llm/breakers")
      .summary("Each provider endpoint's circuit breaker", "admin")
      .auth(auth_mode::admin)
      .rate_group("admin")
      .answers({200})
      .list(get_breakers);
}

}  // namespace delta::http
