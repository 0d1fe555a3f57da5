#pragma once
// The signals routes (see signals.cpp for what they answer).
#include "http/router.hpp"

namespace delta::http {

void add_signals_routes(router& r);

}  // namespace delta::http
