// llm-stub control state: the fault-injection settings (global and per
// model), the fail_next countdown and the request counters. Thread-safe (one
// mutex; the stub's requests are tiny). No I/O.
//
// Decision for a provider request (after credentials and body validated, so
// 400/401 never consume fail_next):
//   1. a per-model override for the request's model, if any, wins (and does
//      not touch fail_next);
//   2. else the global mode; if fail_next > 0 the mode applies and fail_next
//      is decremented; when it reaches 0 the global mode returns to "ok".
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace llm_stub {

enum class mode { ok, latency, error500, ratelimit, hang, invalid_json, truncated };

std::optional<mode> parse_mode(std::string_view s) noexcept;
const char* mode_name(mode m) noexcept;

struct fault {
    mode m = mode::ok;
    int latency_ms = 0;
    int retry_after = 1;
};

class controller {
public:
    controller(fault initial) : global_(initial) {}

    // The fault for the next request to a provider path with this model.
    fault decide(std::string_view model);

    void count_path(std::string_view path);
    void count_outcome(std::string_view outcome);

    // Apply a POST /_control body. Validates everything first; on error
    // returns a message and changes nothing.
    std::optional<std::string> apply(std::string_view body);

    // {"mode","latency_ms","retry_after","fail_next","models":{...},
    //  "counters":{"requests_total","by_path":{},"by_outcome":{}}}
    boost::json::value snapshot() const;

private:
    mutable std::mutex mu_;
    fault global_;
    std::int64_t fail_next_ = 0;
    std::map<std::string, fault, std::less<>> models_;
    std::int64_t total_ = 0;
    std::map<std::string, std::int64_t, std::less<>> by_path_;
    std::map<std::string, std::int64_t, std::less<>> by_outcome_;
};

}  // namespace llm_stub
