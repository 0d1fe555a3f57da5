#pragma once
// The users routes (see users.cpp for what they answer).
#include "http/router.hpp"

namespace delta::http {

void add_users_routes(router& r);

}  // namespace delta::http
