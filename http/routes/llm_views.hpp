#pragma once
// Pure: the LLM gateway's values as clients see them (API.md "Platform" and
// "Signals"), and admin bodies read into protocol values. No view ever
// carries a provider key: only api_key_env (a variable's name) and
// api_key_configured.

#include "http/json_body.hpp"
#include "protocol/llm.hpp"

#include <string>

namespace delta::http {

std::string explain_json(const protocol::llm_answer& a);
std::string llm_route_json(const protocol::llm_route_config& r);
std::string llm_endpoints_json(const protocol::llm_endpoint_list& list);
std::string llm_evaluators_json(const protocol::llm_evaluator_list& list);
std::string breakers_json(const protocol::breaker_list& list);

// Reads the fields of one endpoint (provider, model, base_url, api_key,
// api_key_env) from `body`; problems are collected in it.
protocol::llm_endpoint_config read_endpoint(json_body& body);
protocol::llm_route_config read_route(json_body& body, const std::string& use_case);
protocol::llm_endpoint_list read_fallbacks(json_body& body);
protocol::llm_evaluator_list read_evaluators(json_body& body);

}  // namespace delta::http
