#include "actors/runtime/db_errors.hpp"

namespace delta::runtime {

caf::error domain_error_of(const storage::pg_error& e, protocol::errc on_constraint) {
  switch (e.kind) {
    case storage::pg_failure::unavailable: return protocol::make_error(protocol::errc::unavailable, e.message);
    case storage::pg_failure::constraint: return protocol::make_error(on_constraint, e.message);
    case storage::pg_failure::query: break;
  }
  return protocol::make_error(protocol::errc::internal, e.message);
}

}  // namespace delta::runtime
