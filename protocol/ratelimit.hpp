#pragma once
// Rate-limit messages. A bucket entity (one per principal: key:<prefix>,
// user:<id>, ip:<addr>) evaluates every limit that applies to a request in one
// step, so concurrent requests from many connections are counted exactly.

#include <caf/actor.hpp>
#include "protocol/service_directory.hpp"
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace delta::protocol {

enum class limit_kind : std::uint8_t {
  gcra,          // rate + burst (generic cell rate algorithm)
  hourly_quota,  // at most `count` in any sliding 3600 s window, exact
};

struct limit_spec {
  std::string name;          // e.g. "quota", "rate", "group:explain"
  limit_kind kind = limit_kind::gcra;
  std::int64_t count = 0;    // gcra: requests per period; quota: per hour
  std::int64_t period_ms = 60000;
  std::int64_t burst = 0;    // gcra only
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, limit_spec& x) {
  return f(caf::meta::type_name("delta.limit_spec"), x.name, x.kind, x.count, x.period_ms,
           x.burst);
}

struct admit_request {
  std::vector<limit_spec> limits;
  std::int32_t cost = 1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admit_request& x) {
  return f(caf::meta::type_name("delta.admit_request"), x.limits, x.cost);
}

// For the headers: the most restrictive limit's figures.
struct admit_decision {
  bool allowed = true;
  std::int64_t limit = 0;
  std::int64_t remaining = 0;
  std::int64_t reset_seconds = 0;        // until that limit is fully available again
  std::int64_t retry_after_seconds = 0;  // when rejected: until the request would pass
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admit_decision& x) {
  return f(caf::meta::type_name("delta.admit_decision"), x.allowed, x.limit, x.remaining,
           x.reset_seconds, x.retry_after_seconds);
}

using admit_atom = caf::atom_constant<caf::atom("admit")>;

// Where the node finds this domain's services (protocol/service_directory.hpp).
inline constexpr service<caf::actor> buckets_ip_service{"buckets_ip"};
inline constexpr service<caf::actor> buckets_user_service{"buckets_user"};
inline constexpr service<caf::actor> buckets_key_service{"buckets_key"};

}  // namespace delta::protocol
