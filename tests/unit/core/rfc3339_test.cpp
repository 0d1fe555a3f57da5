// core/rfc3339.hpp: RFC 3339 in and out, without the C library.
#include "core/rfc3339.hpp"

#include <gtest/gtest.h>

using namespace delta::core;

TEST(UtcTime, ParsesUtcAndOffsetsToEpochSeconds) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z")->seconds, 0);
  EXPECT_EQ(parse_rfc3339("2026-11-22T10:00:00Z")->seconds, 1795341600);
  EXPECT_EQ(parse_rfc3339("2026-11-22T11:30:00+01:30")->seconds, 1795341600);
  EXPECT_EQ(parse_rfc3339("2026-11-22t05:00:00-05:00")->seconds, 1795341600);
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00z")->seconds, 1709164800);  // leap day
}

TEST(UtcTime, KeepsTheFractionApart) {
  auto t = parse_rfc3339("2026-11-22T10:00:00.25Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->seconds, 1795341600);
  EXPECT_EQ(t->nanos, 250000000u);
  EXPECT_EQ(parse_rfc3339("2026-11-22T10:00:00.000Z")->nanos, 0u);
}

TEST(UtcTime, RefusesWhatIsNotAnRfc3339Timestamp) {
  for (auto bad : {"", "2026-11-22", "2026-11-22 10:00:00Z", "2026-11-22T10:00:00", "2026-11-22T10:00Z",
                   "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-31T00:00:00Z",
                   "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z", "2026-11-22T10:00:60Z",
                   "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00+0100", "2026-11-22T10:00:00Z ",
                   "1795341600", "+2026-11-22T10:00:00Z", "2026-11-22T10:00:00+24:00"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

TEST(UtcTime, FormatsWholeSecondsInUtc) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1795341600), "2026-11-22T10:00:00Z");
  EXPECT_EQ(format_rfc3339(1709164799), "2024-02-28T23:59:59Z");
  EXPECT_EQ(format_rfc3339(epoch_seconds(9999, 12, 31) + 86399), "9999-12-31T23:59:59Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59Z");
}
