#pragma once
// The explain routes (see explain.cpp for what they answer).
#include "http/router.hpp"

namespace delta::http {

void add_explain_routes(router& r);

}  // namespace delta::http
