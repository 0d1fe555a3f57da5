#include "http/envelope.hpp"

#include "core/rfc3339.hpp"
#include "http/api_error.hpp"
#include "telemetry/json_log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace delta::http {

namespace {

bool is_array(const std::string& json) {
  auto first = json.find_first_not_of(" \t\r\n");
  return first != std::string::npos && json[first] == '[';
}

std::string envelope(const std::string& data_json, const std::string& request_id,
                     const std::optional<page_meta>& page, const std::optional<std::string>& next_link,
                     const std::optional<std::string>& self_link) {
  std::string body;
  body.reserve(data_json.size() + 128);
  body += "{\"data\":";
  body += data_json;
  body += ",\"meta\":{\"request_id\":";
  telemetry::append_json_string(body, request_id);
  body += ",\"timestamp\":\"";
  body += utc_timestamp();
  body += '"';
  if (page) {
    body += ",\"total\":" + std::to_string(page->total) + ",\"limit\":" +
            std::to_string(page->limit) + ",\"offset\":" + std::to_string(page->offset);
  }
  body += '}';
  if (next_link || self_link) {
    body += ",\"links\":{";
    if (self_link) {
      body += "\"self\":";
      telemetry::append_json_string(body, *self_link);
    }
    if (next_link) {
      body += self_link ? ",\"next\":" : "\"next\":";
      telemetry::append_json_string(body, *next_link);
    }
    body += '}';
  }
  body += '}';
  return body;
}

}  // namespace

std::string utc_timestamp() {
  // Formatting once per second per thread keeps this off the profile.
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  auto now = std::time(nullptr);
  if (now != cached_second) {
    cached = core::format_rfc3339(static_cast<std::int64_t>(now));
    cached_second = now;
  }
  return cached;
}

response ok_response(int status, const std::string& data_json, const std::string& request_id,
                     const std::optional<std::string>& self_link) {
  if (is_array(data_json)) {
    telemetry::log_error("a route answered a list outside a list route (no paging figures)");
    return error_response(make_api_error(error_code::internal), request_id);
  }
  return {status, envelope(data_json, request_id, std::nullopt, std::nullopt, self_link), "application/json", {}};
}

response page_response(const std::string& items_json, const std::string& request_id, const page_meta& page,
                       const std::optional<std::string>& next_link) {
  return {200, envelope(items_json, request_id, page, next_link, std::nullopt), "application/json", {}};
}

}  // namespace delta::http
