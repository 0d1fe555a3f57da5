#pragma once
// Pure: which bucket a request is charged to and which limits apply.
//   API key   -> key:<prefix>  the tier's exact hourly quota (+ group limit)
//   session   -> user:<id>     GCRA user_per_minute / user_burst (+ group)
//   anonymous -> ip:<addr>     GCRA ip_per_minute / ip_burst (+ group)
// Group limits (ratelimit.groups) are extra limiters inside the same bucket,
// so one message to one bucket decides everything, atomically.

#include "config/settings.hpp"
#include "http/router.hpp"
#include "protocol/auth.hpp"
#include "protocol/ratelimit.hpp"

#include <optional>
#include <string>
#include <vector>

namespace delta::http {

enum class bucket_family { ip, user, key };

struct rate_plan {
  bucket_family family = bucket_family::ip;
  std::string bucket_key;
  protocol::admit_request request;
};

struct rate_settings {
  config::ratelimit_settings base;
  std::vector<config::group_limit> groups;
};

// nullopt: the route is not rate limited.
std::optional<rate_plan> plan_for(const route& rt, const protocol::principal* who,
                                  const std::string& remote_address, const rate_settings& settings,
                                  const protocol::entitlement_table* table);

// RateLimit-* headers, and Retry-After on a rejection.
header_list rate_headers(const protocol::admit_decision& d);

}  // namespace delta::http
