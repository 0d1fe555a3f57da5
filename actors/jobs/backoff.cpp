#include "actors/jobs/backoff.hpp"

#include <algorithm>

namespace delta::jobs {

retry_backoff::retry_backoff(backoff_config cfg) : cfg_(cfg) {}

std::chrono::milliseconds retry_backoff::ceiling(int failed_attempts) const {
  auto n = std::max(failed_attempts, 1) - 1;
  // Doubling stops at the cap, so large attempt counts never overflow.
  auto bound = cfg_.base;
  for (int i = 0; i < n && bound < cfg_.cap; ++i) bound *= 2;
  return std::min(bound, cfg_.cap);
}

std::chrono::milliseconds retry_backoff::delay(int failed_attempts, double draw) const {
  draw = std::clamp(draw, 0.0, 1.0);
  auto bound = static_cast<double>(ceiling(failed_attempts).count());
  auto jittered = std::chrono::milliseconds(static_cast<std::int64_t>(draw * bound));
  return std::clamp(jittered, std::min(cfg_.floor, cfg_.cap), cfg_.cap);
}

}  // namespace delta::jobs
