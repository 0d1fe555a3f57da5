#pragma once
// The success envelope of API.md: {"data": ..., "meta": {...}, "links"?}.
// `data_json` is already-serialised JSON, so hot routes can reuse bytes.
//
// A JSON array is a list, and a list always carries its paging figures
// (meta.total/limit/offset): ok_response() refuses an array, so the only way
// to answer one is page_response(), which list routes reach through their
// list_call (http/list_call.hpp).

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

// One value (not an array: that is a list, see page_response). An array
// here is a route bug and answers 500 `internal` rather than an unpaged list.
response ok_response(int status, const std::string& data_json, const std::string& request_id,
                     const std::optional<std::string>& self_link = std::nullopt);

// 200 with one page of a list: `items_json` is a JSON array.
response page_response(const std::string& items_json, const std::string& request_id, const page_meta& page,
                       const std::optional<std::string>& next_link);

}  // namespace delta::http
