#include "http/rate_plan.hpp"

namespace delta::http {

namespace {

protocol::limit_spec per_minute(std::string name, std::int64_t count, std::int64_t burst) {
  return {std::move(name), protocol::limit_kind::gcra, count, 60000, burst};
}

}  // namespace

std::optional<rate_plan> plan_for(const route& rt, const protocol::principal* who,
                                  const std::string& remote_address, const rate_settings& settings,
                                  const protocol::entitlement_table* table) {
  if (rt.rate_group.empty()) return std::nullopt;
  rate_plan plan;
  auto& limits = plan.request.limits;
  if (!who) {
    plan.family = bucket_family::ip;
    plan.bucket_key = "ip:" + remote_address;
    limits.push_back(per_minute("rate", settings.base.ip_per_minute, settings.base.ip_burst));
  } else if (who->auth_method == "api_key") {
    plan.family = bucket_family::key;
    plan.bucket_key = "key:" + who->key_prefix;
    std::int64_t per_hour = 0;
    if (table)
      if (auto* tier = table->find(who->tier)) per_hour = tier->rate_limit_per_hour;
    limits.push_back({"quota", protocol::limit_kind::hourly_quota, per_hour, 3600000, 0});
  } else {
    plan.family = bucket_family::user;
    plan.bucket_key = "user:" + who->user_id;
    limits.push_back(per_minute("rate", settings.base.user_per_minute, settings.base.user_burst));
  }
  for (auto& g : settings.groups)
    if (g.group == rt.rate_group) limits.push_back(per_minute("group:" + g.group, g.per_minute, g.burst));
  return plan;
}

header_list rate_headers(const protocol::admit_decision& d) {
  header_list h{{"RateLimit-Limit", std::to_string(d.limit)},
                {"RateLimit-Remaining", std::to_string(d.remaining)},
                {"RateLimit-Reset", std::to_string(d.reset_seconds)}};
  if (!d.allowed) h.emplace_back("Retry-After", std::to_string(std::max<std::int64_t>(1, d.retry_after_seconds)));
  return h;
}

}  // namespace delta::http
