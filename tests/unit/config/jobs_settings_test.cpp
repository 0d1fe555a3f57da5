// config/settings.hpp, the [jobs] keys: defaults, overrides and the
// syntax check of jobs.schedules (ranges are checked by the jobs supervisor).
#include "config/settings.hpp"

#include <gtest/gtest.h>

using namespace delta::config;

namespace {

settings with_env(const std::string& name, const std::string& value) {
  sources from;
  from.environment[name] = value;
  return load(from);
}

}  // namespace

TEST(JobsSettings, DefaultsRunSixtyFourJobsWithThirtySecondLeasesAndTheSummaryRefresh) {
  auto s = load({});
  EXPECT_EQ(s.jobs.concurrency, 64);
  EXPECT_EQ(s.jobs.lease_seconds, 30);
  EXPECT_EQ(s.jobs.poll_interval_ms, 1000);
  EXPECT_EQ(s.jobs.shutdown_timeout_seconds, 10);
  EXPECT_EQ(s.jobs.schedules, "refresh_summaries=*/5 * * * *");
}

TEST(JobsSettings, EnvironmentOverridesTheKeys) {
  EXPECT_EQ(with_env("DELTA_JOBS__CONCURRENCY", "8").jobs.concurrency, 8);
  EXPECT_EQ(with_env("DELTA_JOBS__LEASE_SECONDS", "5").jobs.lease_seconds, 5);
  EXPECT_EQ(with_env("DELTA_JOBS__SCHEDULES", "a=@every 30s; b=0 3 * * 1-5").jobs.schedules,
            "a=@every 30s; b=0 3 * * 1-5");
  EXPECT_EQ(with_env("DELTA_JOBS__SCHEDULES", "").jobs.schedules, "");
}

TEST(JobsSettings, RefusesOutOfRangeNumbersNamingTheKey) {
  try {
    with_env("DELTA_JOBS__CONCURRENCY", "0");
    FAIL() << "accepted concurrency 0";
  } catch (const config_error& e) {
    EXPECT_NE(std::string{e.what()}.find("jobs.concurrency"), std::string::npos);
  }
  EXPECT_THROW(with_env("DELTA_JOBS__LEASE_SECONDS", "1"), config_error);
  EXPECT_THROW(with_env("DELTA_JOBS__POLL_INTERVAL_MS", "5"), config_error);
}

TEST(JobsSettings, RefusesSchedulesThatAreNotKindEqualsCronOrEvery) {
  for (auto bad : {"*/5 * * * *", "refresh=*/5 * * *", "refresh=every 5m", "Refresh=@hourly",
                   "refresh=@every 5w", "refresh=*/5 * * * * *"})
    EXPECT_THROW(with_env("DELTA_JOBS__SCHEDULES", bad), config_error) << bad;
}
