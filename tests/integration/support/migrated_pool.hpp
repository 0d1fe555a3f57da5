#pragma once
// The fixture repository tests share: a fresh database with every migration
// applied and a started pool that prepared the repository's statements.

#include "storage/migrator.hpp"
#include "storage/pg_pool.hpp"
#include "tests/integration/support/test_database.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace delta::testing {

class migrated_pool_test : public ::testing::Test {
 protected:
  // Call from SetUp(); a failure here is fatal, so the test body is skipped.
  void start(int pool_size, void (*register_statements)(storage::pg_pool&)) {
    ASSERT_NO_THROW(db.emplace()) << "needs the test cluster (DELTA_TEST_DATABASE_URL)";
    storage::apply_migrations(db->url(), storage::load_migrations(DELTA_MIGRATIONS_DIR));
    storage::pool_options options;
    options.url = db->url();
    options.size = pool_size;
    options.max_backoff_ms = 200;
    pool.emplace(options);
    register_statements(*pool);
    pool->start();
  }

  void TearDown() override {
    if (pool) pool->stop();
  }

  // Runs one statement; its result, or an empty one after a recorded failure.
  storage::pg_result one(storage::pg_statement step) {
    auto reply = call_and_wait(*pool, std::move(step));
    EXPECT_TRUE(reply.ok()) << reply.error->message;
    if (!reply.ok() || reply.results.size() != 1) return {};
    return reply.results[0];
  }

  std::optional<scratch_database> db;
  std::optional<storage::pg_pool> pool;
};

}  // namespace delta::testing
