#pragma once
// The success envelope of API.md: {"data": ..., "meta": {...}, "links"?}.
// `data_json` is already-serialised JSON, so hot routes can reuse bytes.

#include "http/message.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace delta::http {

struct page_meta {
  std::int64_t total = 0;
  std::int64_t limit = 0;
  std::int64_t offset = 0;
};

// Current UTC time as RFC 3339 with seconds, e.g. 2026-11-22T10:00:00Z.
std::string utc_timestamp();

response ok_response(int status, const std::string& data_json, const std::string& request_id,
                     const std::optional<page_meta>& page = std::nullopt,
                     const std::optional<std::string>& next_link = std::nullopt,
                     const std::optional<std::string>& self_link = std::nullopt);

}  // namespace delta::http
