#include "core/rfc3339.hpp"

#include <cstdio>

namespace delta::core {

namespace {

// Howard Hinnant's days_from_civil / civil_from_days: exact for every
// proleptic Gregorian date, no tables, no time zone database.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// Reads exactly `n` digits at `pos`; advances pos.
std::optional<unsigned> digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, char a, char b = '\0') {
  if (pos >= s.size() || (s[pos] != a && (b == '\0' || s[pos] != b))) return false;
  ++pos;
  return true;
}

// The fraction after '.', at least one digit; nanosecond precision, further
// digits are read and dropped.
std::optional<std::uint32_t> fraction(std::string_view s, std::size_t& pos) {
  std::uint32_t nanos = 0;
  std::size_t n = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    if (n < 9) nanos = nanos * 10 + static_cast<std::uint32_t>(s[pos] - '0');
    ++n;
    ++pos;
  }
  if (n == 0) return std::nullopt;
  for (; n < 9; ++n) nanos *= 10;
  return nanos;
}

// "Z" -> 0, "+HH:MM" / "-HH:MM" -> seconds east of UTC.
std::optional<std::int64_t> offset(std::string_view s, std::size_t& pos) {
  if (expect(s, pos, 'Z', 'z')) return 0;
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return std::nullopt;
  int sign = s[pos++] == '-' ? -1 : 1;
  auto hh = digits(s, pos, 2);
  if (!hh || !expect(s, pos, ':')) return std::nullopt;
  auto mm = digits(s, pos, 2);
  if (!mm || *hh > 23 || *mm > 59) return std::nullopt;
  return sign * static_cast<std::int64_t>(*hh * 3600 + *mm * 60);
}

}  // namespace

std::int64_t epoch_seconds(int year, unsigned month, unsigned day) {
  return days_from_civil(year, month, day) * 86400;
}

std::optional<utc_instant> parse_rfc3339(std::string_view s) {
  std::size_t pos = 0;
  auto year = digits(s, pos, 4);
  if (!year || !expect(s, pos, '-')) return std::nullopt;
  auto month = digits(s, pos, 2);
  if (!month || !expect(s, pos, '-')) return std::nullopt;
  auto day = digits(s, pos, 2);
  if (!day || !expect(s, pos, 'T', 't')) return std::nullopt;
  auto hour = digits(s, pos, 2);
  if (!hour || !expect(s, pos, ':')) return std::nullopt;
  auto minute = digits(s, pos, 2);
  if (!minute || !expect(s, pos, ':')) return std::nullopt;
  auto second = digits(s, pos, 2);
  if (!second) return std::nullopt;
  std::uint32_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    auto f = fraction(s, pos);
    if (!f) return std::nullopt;
    nanos = *f;
  }
  auto east = offset(s, pos);
  if (!east || pos != s.size()) return std::nullopt;
  if (*year < 1 || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) ||
      *hour > 23 || *minute > 59 || *second > 59)
    return std::nullopt;
  std::int64_t t = epoch_seconds(static_cast<int>(*year), *month, *day) + *hour * 3600 +
                   *minute * 60 + *second - *east;
  return utc_instant{t, nanos};
}

void append_rfc3339(std::string& out, std::int64_t seconds) {
  std::int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  std::int64_t rest = seconds - days * 86400;
  auto date = civil_from_days(days);
  auto secs = static_cast<unsigned>(rest);  // 0..86399
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02uZ", static_cast<long long>(date.year),
                        date.month, date.day, secs / 3600, secs / 60 % 60, secs % 60);
  out.append(buf, static_cast<std::size_t>(n));
}

void append_rfc3339_millis(std::string& out, std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  auto seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  append_rfc3339(out, seconds);
  out.pop_back();  // the 'Z'
  char buf[8];
  int n = std::snprintf(buf, sizeof buf, ".%03dZ", static_cast<int>(ms - seconds * 1000));
  out.append(buf, static_cast<std::size_t>(n));
}

std::string format_rfc3339(std::int64_t seconds) {
  std::string out;
  append_rfc3339(out, seconds);
  return out;
}

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return format_rfc3339(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
}

std::string format_rfc3339_millis(std::chrono::system_clock::time_point t) {
  std::string out;
  append_rfc3339_millis(out, t);
  return out;
}

}  // namespace delta::core
