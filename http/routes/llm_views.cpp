#include "http/routes/llm_views.hpp"

#include <boost/json.hpp>

namespace delta::http {

namespace json = boost::json;

namespace {

json::object endpoint_object(const protocol::llm_endpoint_config& e) {
  json::object o;
  o["provider"] = e.provider;
  o["model"] = e.model;
  o["base_url"] = e.base_url;
  o["api_key_env"] = e.api_key_env ? json::value(*e.api_key_env) : json::value(nullptr);
  o["api_key_configured"] = e.api_key_configured;
  return o;
}

json::value time_or_null(const std::string& t) { return t.empty() ? json::value(nullptr) : json::value(t); }

}  // namespace

std::string explain_json(const protocol::llm_answer& a) {
  return json::serialize(json::object{{"explanation", a.text},
                                      {"model", a.model},
                                      {"provider", a.provider},
                                      {"latency_ms", a.latency_ms}});
}

std::string llm_route_json(const protocol::llm_route_config& r) {
  auto o = endpoint_object(r.endpoint);
  o["use_case"] = r.use_case;
  o["max_tokens"] = r.max_tokens;
  o["temperature"] = r.temperature;
  o["timeout_seconds"] = r.timeout_seconds;
  o["json_output"] = r.json_output;
  o["active"] = r.active;
  o["updated_at"] = time_or_null(r.updated_at);
  return json::serialize(o);
}

std::string llm_endpoints_json(const protocol::llm_endpoint_list& list) {
  json::array a;
  for (auto& e : list) a.push_back(endpoint_object(e));
  return json::serialize(a);
}

std::string llm_evaluators_json(const protocol::llm_evaluator_list& list) {
  json::array a;
  for (auto& e : list) {
    auto o = endpoint_object(e.endpoint);
    o["name"] = e.name;
    o["max_tokens"] = e.max_tokens;
    o["timeout_seconds"] = e.timeout_seconds;
    o["active"] = e.active;
    a.push_back(std::move(o));
  }
  return json::serialize(a);
}

std::string breakers_json(const protocol::breaker_list& list) {
  json::array a;
  for (auto& b : list) {
    a.push_back(json::object{{"provider", b.provider},
                             {"model", b.model},
                             {"base_url", b.base_url},
                             {"state", b.state},
                             {"failures", b.failures},
                             {"opened_at", time_or_null(b.opened_at)},
                             {"retry_at", time_or_null(b.retry_at)},
                             {"in_flight", b.in_flight}});
  }
  return json::serialize(a);
}

protocol::llm_endpoint_config read_endpoint(json_body& body) {
  protocol::llm_endpoint_config e;
  e.provider = body.text("provider", true, 1, 32).value_or("");
  e.model = body.text("model", true, 1, 200).value_or("");
  e.base_url = body.text("base_url", true, 1, 500).value_or("");
  // "" and null mean "no key", like an absent field.
  if (auto key = body.text("api_key", false, 0, 4096); key && !key->empty()) e.api_key = *key;
  if (auto env = body.text("api_key_env", false, 0, 64); env && !env->empty()) e.api_key_env = *env;
  return e;
}

protocol::llm_route_config read_route(json_body& body, const std::string& use_case) {
  protocol::llm_route_config r;
  r.use_case = use_case;
  r.endpoint = read_endpoint(body);
  r.max_tokens = static_cast<std::int32_t>(body.integer("max_tokens", false, 1, 1000000).value_or(4096));
  r.temperature = body.number("temperature", false, 0, 2).value_or(0.7);
  r.timeout_seconds = static_cast<std::int32_t>(body.integer("timeout_seconds", false, 1, 600).value_or(120));
  r.json_output = body.boolean("json_output", false).value_or(false);
  r.active = body.boolean("active", false).value_or(true);
  return r;
}

protocol::llm_endpoint_list read_fallbacks(json_body& body) {
  protocol::llm_endpoint_list out;
  for (auto& element : body.list("fallbacks", 100)) {
    out.push_back(read_endpoint(element));
    body.absorb(element);
  }
  return out;
}

protocol::llm_evaluator_list read_evaluators(json_body& body) {
  protocol::llm_evaluator_list out;
  for (auto& element : body.list("evaluators", 50)) {
    protocol::llm_evaluator_config e;
    e.name = element.text("name", true, 1, 64).value_or("");
    e.endpoint = read_endpoint(element);
    e.max_tokens = static_cast<std::int32_t>(element.integer("max_tokens", false, 1, 1000000).value_or(1024));
    e.timeout_seconds = static_cast<std::int32_t>(element.integer("timeout_seconds", false, 1, 600).value_or(60));
    e.active = element.boolean("active", false).value_or(true);
    body.absorb(element);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace delta::http
