#pragma once
// Pure: one principal's bucket, holding every limiter that applies to it
// (by limit name). A request is admitted only if every limit admits it; then
// all of them are charged, otherwise none is.

#include "actors/ratelimit/gcra.hpp"
#include "actors/ratelimit/sliding_log.hpp"
#include "protocol/ratelimit.hpp"

#include <map>
#include <string>
#include <variant>

namespace delta::ratelimit {

class bucket {
 public:
  protocol::admit_decision admit(const protocol::admit_request& request, clock::time_point now);

  // True when every limiter is in the state a fresh one would have.
  bool at_rest(clock::time_point now);
  std::size_t limiters() const { return limiters_.size(); }

 private:
  using limiter = std::variant<gcra, sliding_log>;
  limiter& limiter_for(const protocol::limit_spec& spec);

  std::map<std::string, limiter> limiters_;
};

}  // namespace delta::ratelimit
