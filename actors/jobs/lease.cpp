#include "actors/jobs/lease.hpp"

#include <stdexcept>

namespace delta::jobs {

lease_policy::lease_policy(std::chrono::milliseconds length) : lease_policy(length, length / 3) {}

lease_policy::lease_policy(std::chrono::milliseconds length, std::chrono::milliseconds renew_every)
    : length_(length), renew_every_(renew_every) {
  if (renew_every_.count() <= 0 || renew_every_ >= length_)
    throw std::invalid_argument{"lease renewal interval must be positive and shorter than the lease"};
}

}  // namespace delta::jobs
