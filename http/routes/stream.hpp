#pragma once
// The stream routes (see stream.cpp for what they answer).
#include "http/router.hpp"

namespace delta::http {

void add_stream_routes(router& r);

}  // namespace delta::http
