#pragma once
// The jobs routes (see jobs.cpp for what they answer).
#include "http/router.hpp"

namespace delta::http {

void add_jobs_routes(router& r);

}  // namespace delta::http
