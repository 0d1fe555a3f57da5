#pragma once
#include "actors/runtime/entity_region.hpp"

#include <chrono>

namespace delta::ratelimit {

// A region of bucket entities. `idle_timeout` must be at least as long as the
// slowest limiter takes to come to rest (GCRA: burst x interval; quota: 1 h),
// so that passivating a bucket never forgets a charge.
caf::actor spawn_bucket_region(caf::local_actor& parent, std::string name,
                               std::chrono::milliseconds idle_timeout);

}  // namespace delta::ratelimit
