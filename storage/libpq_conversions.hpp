#pragma once
// Internal to storage/: turning libpq objects into our plain values.
#include "storage/pg_types.hpp"

#include <libpq-fe.h>

namespace delta::storage::detail {

pg_result convert(PGresult* res);
pg_error error_of(PGconn* conn, PGresult* res);

}  // namespace delta::storage::detail
