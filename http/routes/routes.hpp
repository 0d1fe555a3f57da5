#pragma once
// The route table's own document: each domain's routes are declared in
// its http/routes/<domain>.hpp and added by its module.
#include "http/router.hpp"

#include <memory>

namespace delta::http {

// The OpenAPI 3 document of a route table.
std::string openapi_document(const router& r);

// GET /openapi.json (the document of every route added before) and GET
// /docs: added last, once every module has added its routes.
void add_document_routes(router& r);

}  // namespace delta::http
