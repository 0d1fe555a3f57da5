#pragma once
// The platform routes (see platform.cpp for what they answer).
#include "http/router.hpp"

namespace delta::http {

void add_platform_routes(router& r);

}  // namespace delta::http
