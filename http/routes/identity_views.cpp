#include "http/routes/identity_views.hpp"


#include <boost/json.hpp>

namespace delta::http {

namespace json = boost::json;

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

}  // namespace delta::http
