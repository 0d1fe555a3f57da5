#pragma once
// RFC 3339 timestamps <-> seconds since the Unix epoch (UTC), without the C
// library's time zone state (gmtime/timegm): pure arithmetic on the
// proleptic Gregorian calendar, so any thread may call it. The one
// formatter of the API's times, the log's times and the database's.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace delta::core {

struct utc_instant {
  std::int64_t seconds = 0;  // since 1970-01-01T00:00:00Z, floor
  std::uint32_t nanos = 0;   // fraction of the second, 0..999,999,999
};

// "2026-11-22T10:00:00Z", "2026-11-22T10:00:00.5+01:00", 't'/'z' in lower
// case too (RFC 3339 allows it). Years 0001..9999; no leap second (:60).
// nullopt when the text is not such a timestamp.
std::optional<utc_instant> parse_rfc3339(std::string_view text);

// "2026-11-22T10:00:00Z" (whole seconds, UTC).
std::string format_rfc3339(std::int64_t seconds);
std::string format_rfc3339(std::chrono::system_clock::time_point t);
// "2026-11-22T10:00:00.123Z" (milliseconds, UTC): log lines.
std::string format_rfc3339_millis(std::chrono::system_clock::time_point t);
// Appends the same to `out` without allocating a temporary (hot paths).
void append_rfc3339(std::string& out, std::int64_t seconds);
void append_rfc3339_millis(std::string& out, std::chrono::system_clock::time_point t);

// Seconds since the epoch of 00:00:00Z of a civil date (month 1..12).
std::int64_t epoch_seconds(int year, unsigned month, unsigned day);

}  // namespace delta::core
