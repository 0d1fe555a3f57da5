#pragma once
// Wall-clock times as the API writes them: RFC 3339 UTC with seconds.

#include <chrono>
#include <ctime>
#include <string>

namespace delta::llm {

inline std::string rfc3339(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace delta::llm
