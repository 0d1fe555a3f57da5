#pragma once
// Schedules of periodic jobs, evaluated in UTC. Pure: "now" is a parameter.
//
//   5-field cron    minute hour day-of-month month day-of-week
//                   each field: *, a number, a range a-b, a step */s, a-b/s
//                   or a/s (a to the field's maximum), or a comma list of
//                   those. Day of week 0-7 (0 and 7 are Sunday). As in Vixie
//                   cron, when both day fields are restricted a day matches
//                   if EITHER does ("0 0 1 * 1": the 1st and every Monday).
//   @every <n><u>   a fixed period, u one of s m h d ("@every 5m"); ticks are
//                   aligned to the Unix epoch so every node computes the same
//                   instants, which the once-per-tick claim relies on.
//   @hourly @daily @weekly @monthly   the usual cron shorthands.
// Not supported: names (JAN, MON), L, W, #, ?, seconds fields, time zones.

#include <chrono>
#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace delta::jobs {

using tick_time = std::chrono::sys_time<std::chrono::milliseconds>;

class schedule {
 public:
  // nullopt and a reason in `error` (when given) for text we cannot parse or
  // a cron expression that can never fire (e.g. "0 0 31 2 *").
  static std::optional<schedule> parse(std::string_view text, std::string* error = nullptr);

  // The first tick strictly after `t`; nullopt only for impossible
  // expressions, which parse() refuses.
  std::optional<tick_time> next_after(tick_time t) const;

  const std::string& text() const { return text_; }

 private:
  schedule() = default;
  std::optional<tick_time> next_cron(tick_time t) const;
  bool day_matches(std::chrono::sys_days day) const;

  std::string text_;
  std::chrono::milliseconds every_{0};  // > 0: an @every schedule
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;    // 1..31
  std::bitset<13> months_;  // 1..12
  std::bitset<7> weekdays_; // 0 = Sunday
  bool any_day_ = true;     // day-of-month was *
  bool any_weekday_ = true; // day-of-week was *
};

// One entry of jobs.schedules: the job kind to enqueue at each tick (also the
// schedule's name in job_schedule_ticks) and when.
struct named_schedule {
  std::string kind;
  schedule when;
};

// "kind=expr;kind=expr" (';' because cron lists use ','); empty text is no
// schedules. nullopt and a reason for a malformed entry or a repeated kind.
std::optional<std::vector<named_schedule>> parse_schedules(std::string_view text,
                                                           std::string* error = nullptr);

}  // namespace delta::jobs
