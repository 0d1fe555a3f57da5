#pragma once
// Checks on JSON text that crosses into the jobs table (payloads, results):
// PostgreSQL would refuse a bad value only when the whole batch is written,
// failing every job in it, so each value is checked where it is produced.

#include <string_view>

namespace delta::jobs {

// True for a well-formed JSON object ("{...}").
bool is_json_object(std::string_view text);

}  // namespace delta::jobs
