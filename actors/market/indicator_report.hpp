#pragma once
// Indicator series for a window of bars: each indicator is computed over
// all `bars` (warm-up included) and its points are kept from bar
// `first_point` on, only where defined.

#include "protocol/market_data.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace delta::market {

protocol::indicator_series compute_series(const protocol::indicator_spec& spec,
                                          std::span<const protocol::candle> bars,
                                          std::size_t first_point);

std::vector<protocol::indicator_series> compute_all(
    const std::vector<protocol::indicator_spec>& specs, std::span<const protocol::candle> bars,
    std::size_t first_point);

}  // namespace delta::market
