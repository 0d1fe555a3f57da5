#pragma once
// The operations routes (see operations.cpp for what they answer).
#include "http/router.hpp"

namespace delta::http {

void add_operations_routes(router& r);

}  // namespace delta::http
