#include "http/routes/health_views.hpp"

#include "http/routes/llm_views.hpp"

#include <algorithm>

#include <boost/json.hpp>

namespace delta::http {

namespace json = boost::json;

namespace {

json::object component_object(const protocol::component_health& c, bool with_details) {
  json::object o;
  o["status"] = c.status;
  o["message"] = c.message;
  if (with_details) {
    json::object details;
    for (auto& [k, v] : c.details) details[k] = v;
    o["details"] = std::move(details);
  }
  return o;
}

int severity(const std::string& status) {
  return status == "unhealthy" ? 2 : status == "degraded" ? 1 : 0;
}

}  // namespace

std::string health_detailed_json(const protocol::health_report& report, std::string& overall) {
  int worst = 0;
  json::object components;
  for (auto& c : report.components) {
    worst = std::max(worst, severity(c.status));
    components[c.name] = component_object(c, true);
  }
  // Each configured provider endpoint's breaker, under the llm component.
  if (auto* llm = components.if_contains("llm"); llm && llm->is_object()) {
    llm->as_object()["details"].as_object()["breakers"] = json::parse(breakers_json(report.llm_endpoints));
  }
  overall = worst == 2 ? "unhealthy" : worst == 1 ? "degraded" : "healthy";
  return json::serialize(json::object{{"status", overall}, {"components", std::move(components)}});
}

std::string readiness_json(const protocol::health_report& report, bool& ready) {
  ready = true;
  json::object components;
  for (auto& c : report.components) {
    if (c.status == "unhealthy") ready = false;
    components[c.name] = component_object(c, false);
  }
  if (ready) return R"({"status":"ready"})";
  return json::serialize(json::object{{"status", "not_ready"}, {"components", std::move(components)}});
}

protocol::health_report unanswered_health_report() {
  protocol::component_health database{"database", "unhealthy", "the health check did not answer in time", {}};
  return protocol::health_report{{database}, {}};
}

}  // namespace delta::http
