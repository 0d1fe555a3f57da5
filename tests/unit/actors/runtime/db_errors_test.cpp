// actors/runtime/db_errors.hpp: one table from database failures to domain errors.
#include "actors/runtime/db_errors.hpp"

#include <gtest/gtest.h>

using namespace delta;
using protocol::errc;
using storage::pg_failure;

namespace {

errc code(pg_failure kind, errc on_constraint = errc::conflict) {
  storage::pg_error e;
  e.kind = kind;
  e.message = "duplicate key value violates unique constraint \"users_email_key\"";
  return protocol::code_of(runtime::domain_error_of(e, on_constraint));
}

}  // namespace

TEST(DbErrors, MapsEveryFailureKindToOneDomainError) {
  struct row {
    pg_failure kind;
    errc expected;
  };
  for (auto [kind, expected] : {row{pg_failure::unavailable, errc::unavailable},
                                row{pg_failure::constraint, errc::conflict},
                                row{pg_failure::query, errc::internal}})
    EXPECT_EQ(code(kind), expected) << static_cast<int>(kind);
}

TEST(DbErrors, AConstraintMeansWhatTheCallerSaysItMeansThere) {
  EXPECT_EQ(code(pg_failure::constraint, errc::not_found), errc::not_found);  // a missing parent row
  EXPECT_EQ(code(pg_failure::constraint, errc::invalid), errc::invalid);
  EXPECT_EQ(code(pg_failure::unavailable, errc::invalid), errc::unavailable) << "only constraints are remapped";
}
