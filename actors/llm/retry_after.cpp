#include "actors/llm/retry_after.hpp"

#include <algorithm>
#include <array>

namespace delta::llm {

namespace {

constexpr std::chrono::seconds max_wait{86400};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool digits(std::string_view s, int& out) {
  if (s.empty()) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

// "Sun, 06 Nov 1994 08:49:37 GMT": exactly 29 characters.
std::optional<std::chrono::sys_seconds> parse_imf_fixdate(std::string_view s) {
  static constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
    return std::nullopt;
  int day, year, hh, mm, ss;
  if (!digits(s.substr(5, 2), day) || !digits(s.substr(12, 4), year) ||
      !digits(s.substr(17, 2), hh) || !digits(s.substr(20, 2), mm) || !digits(s.substr(23, 2), ss))
    return std::nullopt;
  auto m = std::find(months.begin(), months.end(), s.substr(8, 3));
  if (m == months.end() || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{year},
                                  std::chrono::month{static_cast<unsigned>(m - months.begin() + 1)},
                                  std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours{hh} + std::chrono::minutes{mm} +
         std::chrono::seconds{ss};
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    if (value.size() > 9) return max_wait;  // more than a day anyway
    int n = 0;
    digits(value, n);
    return std::min(std::chrono::seconds{n}, max_wait);
  }
  auto at = parse_imf_fixdate(value);
  if (!at) return std::nullopt;
  auto wait = std::chrono::ceil<std::chrono::seconds>(*at - now);
  return std::clamp(wait, std::chrono::seconds{0}, max_wait);
}

}  // namespace delta::llm
