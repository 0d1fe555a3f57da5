// actors/jobs/schedule.hpp: the cron subset (*, numbers, ranges, steps,
// lists; both day fields), @every aligned to the epoch, shorthands, refusal
// of malformed or impossible schedules, and the jobs.schedules list.
#include "actors/jobs/schedule.hpp"

#include <gtest/gtest.h>

using namespace delta::jobs;
using namespace std::chrono;

namespace {

tick_time at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return tick_time{sys_days{year{y} / month{mo} / day{d}} + hours(h) + minutes(mi) + seconds(s)};
}

tick_time next(const std::string& expr, tick_time t) {
  auto s = schedule::parse(expr);
  EXPECT_TRUE(s) << expr;
  if (!s) return {};
  auto n = s->next_after(t);
  EXPECT_TRUE(n) << expr;
  return n.value_or(tick_time{});
}

bool parses(const std::string& expr) { return schedule::parse(expr).has_value(); }

}  // namespace

TEST(CronSchedule, EveryFiveMinutesFiresOnTheNextMultipleOfFive) {
  EXPECT_EQ(next("*/5 * * * *", at(2026, 11, 22, 10, 3, 17)), at(2026, 11, 22, 10, 5));
  EXPECT_EQ(next("*/5 * * * *", at(2026, 11, 22, 10, 55)), at(2026, 11, 22, 11, 0));
}

TEST(CronSchedule, TheNextTickIsStrictlyAfterTheGivenInstant) {
  EXPECT_EQ(next("*/5 * * * *", at(2026, 11, 22, 10, 5)), at(2026, 11, 22, 10, 10));
  EXPECT_EQ(next("* * * * *", at(2026, 11, 22, 10, 5)), at(2026, 11, 22, 10, 6));
}

TEST(CronSchedule, NumbersListsAndRangesSelectExactMinutesAndHours) {
  EXPECT_EQ(next("15,45 9-17 * * *", at(2026, 11, 22, 8, 50)), at(2026, 11, 22, 9, 15));
  EXPECT_EQ(next("15,45 9-17 * * *", at(2026, 11, 22, 17, 45)), at(2026, 11, 23, 9, 15));
  EXPECT_EQ(next("30 2 * * *", at(2026, 11, 22, 2, 30)), at(2026, 11, 23, 2, 30));
}

TEST(CronSchedule, StepsApplyWithinARangeOrFromAStart) {
  EXPECT_EQ(next("0 8-18/4 * * *", at(2026, 11, 22, 12, 1)), at(2026, 11, 22, 16, 0));
  EXPECT_EQ(next("0 8-18/4 * * *", at(2026, 11, 22, 16, 1)), at(2026, 11, 23, 8, 0));
  EXPECT_EQ(next("10/20 * * * *", at(2026, 11, 22, 10, 31)), at(2026, 11, 22, 10, 50));
}

TEST(CronSchedule, DayOfMonthAndMonthRollOverYears) {
  EXPECT_EQ(next("0 0 1 1 *", at(2026, 11, 22)), at(2027, 1, 1));
  EXPECT_EQ(next("0 12 31 * *", at(2026, 11, 22)), at(2026, 12, 31, 12));
}

TEST(CronSchedule, LeapDayWaitsForALeapYear) {
  EXPECT_EQ(next("0 0 29 2 *", at(2026, 3, 1)), at(2028, 2, 29));
}

TEST(CronSchedule, DayOfWeekCountsSundayAsZeroOrSeven) {
  // 2026-11-22 is a Sunday.
  EXPECT_EQ(next("0 9 * * 1", at(2026, 11, 22, 10)), at(2026, 11, 23, 9));
  EXPECT_EQ(next("0 9 * * 0", at(2026, 11, 22, 10)), at(2026, 11, 29, 9));
  EXPECT_EQ(next("0 9 * * 7", at(2026, 11, 22, 10)), at(2026, 11, 29, 9));
  EXPECT_EQ(next("0 9 * * 1-5", at(2026, 11, 27, 10)), at(2026, 11, 30, 9));  // Friday -> Monday
}

TEST(CronSchedule, WhenBothDayFieldsAreRestrictedEitherOneMatches) {
  // The 1st of the month OR a Monday: from Sunday 2026-11-22 the Monday comes first...
  EXPECT_EQ(next("0 0 1 * 1", at(2026, 11, 22, 1)), at(2026, 11, 23));
  // ...and from Monday 2026-11-30 the 1st of December (a Tuesday).
  EXPECT_EQ(next("0 0 1 * 1", at(2026, 11, 30, 1)), at(2026, 12, 1));
}

TEST(EverySchedule, TicksAreAlignedToTheEpochSoEveryNodeAgrees) {
  EXPECT_EQ(next("@every 5m", at(2026, 11, 22, 10, 3, 17)), at(2026, 11, 22, 10, 5));
  EXPECT_EQ(next("@every 5m", at(2026, 11, 22, 10, 5)), at(2026, 11, 22, 10, 10));
  EXPECT_EQ(next("@every 30s", at(2026, 11, 22, 10, 0, 31)), at(2026, 11, 22, 10, 1));
  EXPECT_EQ(next("@every 1d", at(2026, 11, 22, 10)), at(2026, 11, 23));
}

TEST(CronSchedule, ShorthandsMeanTheirUsualCronLines) {
  EXPECT_EQ(next("@hourly", at(2026, 11, 22, 10, 1)), at(2026, 11, 22, 11));
  EXPECT_EQ(next("@daily", at(2026, 11, 22, 10)), at(2026, 11, 23));
  EXPECT_EQ(next("@weekly", at(2026, 11, 22, 10)), at(2026, 11, 29));
  EXPECT_EQ(next("@monthly", at(2026, 11, 22, 10)), at(2026, 12, 1));
}

TEST(CronSchedule, RefusesMalformedExpressionsWithAReason) {
  for (auto bad : {"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *",
                   "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "1,,2 * * * *",
                   "@every", "@every 0m", "@every 5x", "@every -5m", "@yearly", "MON * * * *"}) {
    std::string why;
    EXPECT_FALSE(schedule::parse(bad, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

TEST(CronSchedule, RefusesASchedulesThatCanNeverFire) {
  std::string why;
  EXPECT_FALSE(schedule::parse("0 0 31 4 *", &why));
  EXPECT_EQ(why, "the schedule never fires");
  EXPECT_FALSE(parses("0 0 30 2 *"));
  EXPECT_TRUE(parses("0 0 31 4 1"));  // still fires on Mondays in April
}

TEST(ScheduleList, ParsesKindEqualsExpressionEntriesSeparatedBySemicolons) {
  auto list = parse_schedules("refresh_summaries=*/5 * * * *; cleanup = @every 1h ;");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].kind, "refresh_summaries");
  EXPECT_EQ((*list)[0].when.text(), "*/5 * * * *");
  EXPECT_EQ((*list)[1].kind, "cleanup");
  EXPECT_EQ((*list)[1].when.text(), "@every 1h");
}

TEST(ScheduleList, EmptyTextMeansNoSchedules) {
  auto list = parse_schedules("");
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST(ScheduleList, RefusesMissingKindsBadExpressionsAndRepeats) {
  std::string why;
  EXPECT_FALSE(parse_schedules("*/5 * * * *", &why));
  EXPECT_FALSE(parse_schedules("=@every 5m", &why));
  EXPECT_FALSE(parse_schedules("a=@every 5m;b=61 * * * *", &why));
  EXPECT_NE(why.find("b: "), std::string::npos);
  EXPECT_FALSE(parse_schedules("a=@every 5m;a=@hourly", &why));
  EXPECT_EQ(why, "kind scheduled twice: a");
}
