#pragma once
// The one mapping of a failed database call to the domain error its caller
// answers (protocol/errors.hpp; http/api_error.cpp maps those to statuses):
//   unavailable (no connection, timeout)  -> unavailable (503)
//   constraint (SQLSTATE class 23)        -> conflict (409), or what the caller
//                                            says a violation means there
//   query (our SQL or unexpected data)    -> internal (500)
// The server's text goes into the error's context for the log; the client
// never sees it (from_domain_error keeps only the code).

#include "protocol/errors.hpp"
#include "storage/pg_types.hpp"

#include <caf/error.hpp>

namespace delta::runtime {

caf::error domain_error_of(const storage::pg_error& e, protocol::errc on_constraint = protocol::errc::conflict);

}  // namespace delta::runtime
