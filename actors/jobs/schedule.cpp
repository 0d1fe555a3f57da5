#include "actors/jobs/schedule.hpp"

#include <charconv>

namespace delta::jobs {

namespace {

using namespace std::chrono;

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  for (auto w : split(text, ' '))
    if (!trim(w).empty()) out.push_back(trim(w));
  return out;
}

bool to_number(std::string_view s, int& out) {
  if (s.empty() || s.size() > 9) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && ptr == s.data() + s.size();
}

struct field_range {
  int lo;
  int hi;
};

// One comma-separated item of a cron field into `bits`; false when malformed.
template <std::size_t N>
bool parse_item(std::string_view item, field_range r, std::bitset<N>& bits) {
  int step = 1;
  bool stepped = false;
  if (auto slash = item.find('/'); slash != std::string_view::npos) {
    stepped = true;
    if (!to_number(item.substr(slash + 1), step) || step < 1) return false;
    item = item.substr(0, slash);
  }
  int lo = r.lo, hi = r.hi;
  if (item != "*") {
    auto dash = item.find('-');
    if (dash == std::string_view::npos) {
      if (!to_number(item, lo)) return false;
      // "a/s" runs from a to the field's maximum; a lone "a" is just a.
      hi = stepped ? r.hi : lo;
    } else if (!to_number(item.substr(0, dash), lo) || !to_number(item.substr(dash + 1), hi)) {
      return false;
    }
  }
  if (lo < r.lo || hi > r.hi || lo > hi) return false;
  for (int v = lo; v <= hi; v += step) bits.set(static_cast<std::size_t>(v));
  return true;
}

template <std::size_t N>
bool parse_field(std::string_view field, field_range r, std::bitset<N>& bits) {
  for (auto item : split(field, ','))
    if (!parse_item(item, r, bits)) return false;
  return true;
}

std::optional<milliseconds> parse_period(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  int n = 0;
  if (!to_number(text.substr(0, text.size() - 1), n) || n < 1) return std::nullopt;
  switch (text.back()) {
    case 's': return seconds(n);
    case 'm': return minutes(n);
    case 'h': return hours(n);
    case 'd': return days(n);
    default: return std::nullopt;
  }
}

std::string_view shorthand(std::string_view text) {
  if (text == "@hourly") return "0 * * * *";
  if (text == "@daily") return "0 0 * * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@monthly") return "0 0 1 * *";
  return text;
}

bool fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return false;
}

}  // namespace

std::optional<schedule> schedule::parse(std::string_view text, std::string* error) {
  schedule s;
  s.text_ = std::string{trim(text)};
  auto w = words(shorthand(s.text_));
  if (w.size() == 2 && w[0] == "@every") {
    auto period = parse_period(w[1]);
    if (!period) return fail(error, "@every needs a positive period like 30s, 5m, 1h or 1d"), std::nullopt;
    s.every_ = *period;
    return s;
  }
  if (w.size() != 5)
    return fail(error, "a schedule is 5 cron fields (minute hour day month weekday) or @every <period>"),
           std::nullopt;
  std::bitset<8> weekdays;
  if (!parse_field(w[0], {0, 59}, s.minutes_) || !parse_field(w[1], {0, 23}, s.hours_) ||
      !parse_field(w[2], {1, 31}, s.days_) || !parse_field(w[3], {1, 12}, s.months_) ||
      !parse_field(w[4], {0, 7}, weekdays))
    return fail(error, "cron fields allow *, numbers in range, a-b, */s, a-b/s and lists"), std::nullopt;
  for (std::size_t d = 0; d < 7; ++d) s.weekdays_[d] = weekdays[d];
  if (weekdays[7]) s.weekdays_.set(0);
  s.any_day_ = w[2] == "*";
  s.any_weekday_ = w[4] == "*";
  // Reject what can never fire, e.g. the 31st of a 30-day month.
  if (!s.next_after(tick_time{}))
    return fail(error, "the schedule never fires"), std::nullopt;
  return s;
}

bool schedule::day_matches(sys_days day) const {
  year_month_day ymd{day};
  bool dom = days_[static_cast<unsigned>(ymd.day())];
  bool dow = weekdays_[weekday{day}.c_encoding()];
  if (any_day_ && any_weekday_) return true;
  if (any_day_) return dow;
  if (any_weekday_) return dom;
  return dom || dow;
}

std::optional<tick_time> schedule::next_after(tick_time t) const {
  if (every_.count() > 0) {
    // Epoch-aligned: floor(t / period) * period + period, strictly after t.
    auto since = t.time_since_epoch();
    auto n = since / every_;
    if (since.count() < 0 && since % every_ != milliseconds{0}) --n;
    return tick_time{every_ * (n + 1)};
  }
  return next_cron(t);
}

std::optional<tick_time> schedule::next_cron(tick_time t) const {
  auto at = floor<minutes>(t) + minutes(1);
  // Each step skips at least a minute, an hour or a day; five years of days
  // covers every leap-day combination, so more iterations mean "never".
  for (int guard = 0; guard < 5 * 366 * 24 * 2; ++guard) {
    auto day = floor<days>(at);
    year_month_day ymd{day};
    if (!months_[static_cast<unsigned>(ymd.month())]) {
      auto first_next = year_month_day{ymd.year() / ymd.month() / 1} + months(1);
      at = sys_days{first_next};
      continue;
    }
    if (!day_matches(day)) {
      at = day + days(1);
      continue;
    }
    auto h = duration_cast<hours>(at - day).count();
    if (!hours_[static_cast<std::size_t>(h)]) {
      at = floor<hours>(at) + hours(1);
      continue;
    }
    auto m = duration_cast<minutes>(at - floor<hours>(at)).count();
    if (!minutes_[static_cast<std::size_t>(m)]) {
      at += minutes(1);
      continue;
    }
    return tick_time{at};
  }
  return std::nullopt;
}

std::optional<std::vector<named_schedule>> parse_schedules(std::string_view text, std::string* error) {
  std::vector<named_schedule> out;
  for (auto entry : split(text, ';')) {
    entry = trim(entry);
    if (entry.empty()) continue;
    auto eq = entry.find('=');
    auto kind = trim(entry.substr(0, eq == std::string_view::npos ? 0 : eq));
    if (eq == std::string_view::npos || kind.empty())
      return fail(error, "a schedule entry is kind=expression"), std::nullopt;
    std::string why;
    auto when = schedule::parse(entry.substr(eq + 1), &why);
    if (!when) return fail(error, std::string{kind} + ": " + why), std::nullopt;
    for (auto& seen : out)
      if (seen.kind == kind) return fail(error, "kind scheduled twice: " + std::string{kind}), std::nullopt;
    out.push_back({std::string{kind}, *when});
  }
  return out;
}

}  // namespace delta::jobs
