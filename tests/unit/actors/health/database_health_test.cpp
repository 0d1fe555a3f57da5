// actors/health/database_health.hpp: the database component from probe and pool.
#include "actors/health/database_health.hpp"

#include <gtest/gtest.h>

#include <map>

using delta::health::database_health;
using delta::storage::pool_stats;

namespace {

pool_stats pool(int size, int connected) {
  pool_stats s;
  s.size = size;
  s.connected = connected;
  s.busy = 1;
  s.queued = 2;
  s.reconnects = 3;
  return s;
}

}  // namespace

TEST(DatabaseHealth, IsHealthyWhenTheProbeSucceedsAndAllConnectionsAreUp) {
  auto c = database_health(true, pool(4, 4));
  EXPECT_EQ(c.name, "database");
  EXPECT_EQ(c.status, "healthy");
}

TEST(DatabaseHealth, IsDegradedWhenSomeConnectionsAreDown) {
  EXPECT_EQ(database_health(true, pool(4, 3)).status, "degraded");
}

TEST(DatabaseHealth, IsUnhealthyWhenTheProbeFailsOrTimesOut) {
  auto failed = database_health(false, pool(4, 4));
  EXPECT_EQ(failed.status, "unhealthy");
  EXPECT_EQ(failed.message, "database unavailable");
  auto timed_out = database_health(std::nullopt, pool(4, 0));
  EXPECT_EQ(timed_out.status, "unhealthy");
  EXPECT_EQ(timed_out.message, "database did not answer in time");
}

TEST(DatabaseHealth, ReportsThePoolFigures) {
  auto c = database_health(true, pool(4, 2));
  std::map<std::string, std::int64_t> details(c.details.begin(), c.details.end());
  EXPECT_EQ(details, (std::map<std::string, std::int64_t>{
                         {"pool_size", 4}, {"connected", 2}, {"busy", 1}, {"queued", 2},
                         {"reconnects", 3}}));
}
