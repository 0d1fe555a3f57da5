// actors/runtime/restart_policy.hpp: pure supervision decisions.
#include "actors/runtime/restart_policy.hpp"

#include <gtest/gtest.h>

using namespace delta::runtime;
using namespace std::chrono_literals;
using clock_type = restart_intensity::clock;

TEST(ShouldRestart, FollowsThePolicyTable) {
  EXPECT_TRUE(should_restart(restart_policy::permanent, /*normal_exit=*/false));
  EXPECT_TRUE(should_restart(restart_policy::permanent, /*normal_exit=*/true));
  EXPECT_TRUE(should_restart(restart_policy::transient, /*normal_exit=*/false));
  EXPECT_FALSE(should_restart(restart_policy::transient, /*normal_exit=*/true));
  EXPECT_FALSE(should_restart(restart_policy::temporary, /*normal_exit=*/false));
  EXPECT_FALSE(should_restart(restart_policy::temporary, /*normal_exit=*/true));
}

TEST(RestartIntensity, AllowsNRestartsWithinTheWindowAndRefusesTheNext) {
  restart_intensity intensity{3, 10s};
  clock_type::time_point t0{};
  EXPECT_TRUE(intensity.record(t0));
  EXPECT_TRUE(intensity.record(t0 + 1s));
  EXPECT_TRUE(intensity.record(t0 + 2s));
  EXPECT_FALSE(intensity.record(t0 + 3s));
}

TEST(RestartIntensity, ForgetsRestartsOlderThanTheWindow) {
  restart_intensity intensity{2, 10s};
  clock_type::time_point t0{};
  EXPECT_TRUE(intensity.record(t0));
  EXPECT_TRUE(intensity.record(t0 + 5s));
  // The first restart is exactly one window old: it no longer counts.
  EXPECT_TRUE(intensity.record(t0 + 10s));
  // Restarts at 5 s and 10 s are still within the window of 14 s.
  EXPECT_FALSE(intensity.record(t0 + 14s));
}

TEST(RestartIntensity, AllowsSteadyRestartsSlowerThanTheLimit) {
  restart_intensity intensity{1, 1s};
  clock_type::time_point t0{};
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(intensity.record(t0 + i * 1s)) << i;
}

TEST(RestartIntensity, WithZeroAllowedRefusesTheFirstRestart) {
  restart_intensity intensity{0, 10s};
  EXPECT_FALSE(intensity.record(clock_type::time_point{}));
}
