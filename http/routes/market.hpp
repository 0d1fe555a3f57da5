#pragma once
// The market routes (see market.cpp for what they answer).
#include "http/router.hpp"

namespace delta::http {

void add_market_routes(router& r);

}  // namespace delta::http
