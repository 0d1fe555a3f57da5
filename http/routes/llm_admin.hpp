#pragma once
// The llm_admin routes (see llm_admin.cpp for what they answer).
#include "http/router.hpp"

namespace delta::http {

void add_llm_admin_routes(router& r);

}  // namespace delta::http
