#pragma once
#include "http/router.hpp"

#include <memory>

namespace delta::http {

// Every route of the public API, in one table (the OpenAPI document is
// generated from it).
std::unique_ptr<router> build_router();

void add_operations_routes(router& r);
void add_market_routes(router& r);
void add_users_routes(router& r);
void add_platform_routes(router& r);
void add_llm_admin_routes(router& r);
void add_signals_routes(router& r);
void add_jobs_routes(router& r);
void add_signal_events_routes(router& r);
void add_stream_routes(router& r);

// The OpenAPI 3 document of a route table.
std::string openapi_document(const router& r);

}  // namespace delta::http
