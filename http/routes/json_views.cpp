#include "http/routes/json_views.hpp"

#include "http/routes/llm_views.hpp"

#include "telemetry/json_log.hpp"

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

namespace {

json::object user_object(const protocol::user_view& u) {
  return json::object{{"user_id", u.user_id},
                      {"email", u.email},
                      {"display_name", u.display_name.empty() ? json::value(nullptr) : json::value(u.display_name)},
                      {"tier", u.tier},
                      {"role", u.role},
                      {"active", u.active}};
}

json::object key_object(const protocol::api_key_view& k) {
  json::object o{{"key_id", k.key_id},
                 {"name", k.name},
                 {"prefix", k.prefix},
                 {"rate_limit_per_hour", k.rate_limit_per_hour},
                 {"created_at", k.created_at},
                 {"expires_at", k.expires_at.empty() ? json::value(nullptr) : json::value(k.expires_at)}};
  if (!k.key.empty()) o["key"] = k.key;
  return o;
}

json::object tier_object(const protocol::tier_view& t) {
  json::array features;
  for (auto& f : t.features) features.push_back(json::value(f));
  return json::object{{"tier", t.tier},
                      {"api_keys_max", t.api_keys_max},
                      {"rate_limit_per_hour", t.rate_limit_per_hour},
                      {"features", std::move(features)}};
}

}  // namespace

std::string user_json(const protocol::user_view& u) { return json::serialize(user_object(u)); }

std::string me_json(const protocol::principal& who) {
  return json::serialize(json::object{
      {"user_id", who.user_id},
      {"email", who.email},
      {"display_name", who.display_name.empty() ? json::value(nullptr) : json::value(who.display_name)},
      {"tier", who.tier},
      {"role", who.role},
      {"auth_method", who.auth_method}});
}

std::string login_json(const protocol::login_result& r) {
  return json::serialize(json::object{
      {"token", r.token}, {"expires_at", r.expires_at}, {"user", user_object(r.user)}});
}

std::string api_key_json(const protocol::api_key_view& k) { return json::serialize(key_object(k)); }

std::string api_keys_json(const std::vector<protocol::api_key_view>& keys) {
  json::array a;
  for (auto& k : keys) a.push_back(key_object(k));
  return json::serialize(a);
}

std::string tier_json(const protocol::tier_view& t) { return json::serialize(tier_object(t)); }

std::string tiers_json(const std::vector<protocol::tier_view>& tiers) {
  json::array a;
  for (auto& t : tiers) a.push_back(tier_object(t));
  return json::serialize(a);
}

std::string security_json(const protocol::security& s) {
  // Hand-written: this is the body of the hottest read route.
  std::string out;
  out.reserve(64 + s.ticker.size() + s.name.size() + 64);
  out += "{\"security_id\":";
  telemetry::append_json_string(out, s.security_id);
  out += ",\"ticker\":";
  telemetry::append_json_string(out, s.ticker);
  out += ",\"name\":";
  telemetry::append_json_string(out, s.name);
  out += ",\"security_type\":";
  telemetry::append_json_string(out, s.security_type);
  out += ",\"exchange\":";
  if (s.exchange) telemetry::append_json_string(out, *s.exchange);
  else out += "null";
  out += ",\"currency\":";
  telemetry::append_json_string(out, s.currency);
  out += s.active ? ",\"active\":true}" : ",\"active\":false}";
  return out;
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
