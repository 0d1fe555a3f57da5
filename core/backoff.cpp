#include "core/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace delta::core {

retry_backoff::retry_backoff(backoff_config cfg) : cfg_(cfg) {}

std::chrono::milliseconds retry_backoff::ceiling(int failed_attempts) const {
  auto n = std::max(failed_attempts, 1) - 1;
  // Doubling stops at the cap, so large attempt counts never overflow.
  auto bound = cfg_.base;
  for (int i = 0; i < n && bound < cfg_.cap; ++i) bound *= 2;
  return std::min(bound, cfg_.cap);
}

std::chrono::milliseconds retry_backoff::delay(int failed_attempts, double draw) const {
  // The draw is uniform in [0, 1): NaN or below counts as 0, 1 or above as
  // just under 1, so the wait stays under its ceiling (unless the floor).
  if (!(draw >= 0.0)) draw = 0.0;
  if (draw >= 1.0) draw = std::nextafter(1.0, 0.0);
  auto bound = static_cast<double>(ceiling(failed_attempts).count());
  auto jittered = std::chrono::milliseconds(static_cast<std::int64_t>(std::floor(draw * bound)));
  return std::clamp(jittered, std::min(cfg_.floor, cfg_.cap), cfg_.cap);
}

}  // namespace delta::core
