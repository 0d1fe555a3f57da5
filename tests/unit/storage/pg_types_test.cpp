// storage/pg_types.hpp: SQLSTATE classes to failure kinds; pg_result columns.
#include "storage/pg_types.hpp"

#include <gtest/gtest.h>

using namespace delta::storage;

TEST(ClassifySqlstate, TreatsIntegrityViolationsAsConstraintFailures) {
  for (auto state : {"23505", "23503", "23514", "23502", "23000"})
    EXPECT_EQ(classify_sqlstate(state), pg_failure::constraint) << state;
}

TEST(ClassifySqlstate, TreatsConnectionShutdownTimeoutAndResourceErrorsAsUnavailable) {
  for (auto state : {"08006", "08001", "57P01", "57014", "53300", "40001", "40P01"})
    EXPECT_EQ(classify_sqlstate(state), pg_failure::unavailable) << state;
}

TEST(ClassifySqlstate, TreatsAMissingSqlstateAsUnavailable) {
  EXPECT_EQ(classify_sqlstate(""), pg_failure::unavailable);
}

TEST(ClassifySqlstate, TreatsOtherErrorsAsQueryFailures) {
  for (auto state : {"42P01", "42601", "22P02", "42703", "XX000"})
    EXPECT_EQ(classify_sqlstate(state), pg_failure::query) << state;
}

TEST(PgResult, FindsColumnsByName) {
  pg_result r;
  r.columns = {"security_id", "ticker"};
  EXPECT_EQ(r.column("ticker"), 1u);
  EXPECT_THROW(r.column("nope"), std::out_of_range);
}
