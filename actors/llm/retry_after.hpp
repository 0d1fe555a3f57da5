#pragma once
// Parses an HTTP Retry-After header value (RFC 9110 10.2.3): either
// delay-seconds ("120") or an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
// the latter relative to the caller's wall-clock `now`. The HTTP client calls
// this and puts the result in call_failure::retry_after.

#include <chrono>
#include <optional>
#include <string_view>

namespace delta::llm {

// nullopt for anything unparseable (then the header is as good as absent).
// A date in the past gives 0 s. Values are capped at one day so hostile
// numbers cannot overflow a duration.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

}  // namespace delta::llm
