#include "http/routes/json_views.hpp"

#include <boost/json.hpp>

namespace delta::http {

namespace json = boost::json;

namespace {

json::object security_object(const protocol::security& s) {
  json::object o;
  o["security_id"] = s.security_id;
  o["ticker"] = s.ticker;
  o["name"] = s.name;
  o["security_type"] = s.security_type;
  o["exchange"] = s.exchange ? json::value(*s.exchange) : json::value(nullptr);
  o["currency"] = s.currency;
  o["active"] = s.active;
  return o;
}

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

std::string security_json(const protocol::security& s) {
  return json::serialize(security_object(s));
}

std::string securities_json(const std::vector<protocol::security>& items) {
  json::array a;
  a.reserve(items.size());
  for (auto& s : items) a.push_back(security_object(s));
  return json::serialize(a);
}

std::string health_detailed_json(const protocol::health_report& report, std::string& overall) {
  int worst = 0;
  json::object components;
  for (auto& c : report.components) {
    worst = std::max(worst, severity(c.status));
    components[c.name] = component_object(c, true);
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

}  // namespace delta::http
