#include "http/routes/security_views.hpp"

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

}  // namespace

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

}  // namespace delta::http
