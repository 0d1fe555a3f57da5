#pragma once
// The HTTP request an encoder produces, ready for the HTTP client: always a
// POST with a JSON body. The client adds Host (from the parsed base_url),
// Content-Length and its own User-Agent; nothing else is needed.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace delta::llm {

struct wire_request {
  std::string target;  // path only, e.g. "/v1/chat/completions"
  std::vector<std::pair<std::string, std::string>> headers;  // in order; may hold the API key
  std::string body;

  // The value of a header (case-sensitive name as the encoder wrote it), or "".
  std::string_view header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

// An API key that may go into a header: non-empty printable ASCII without
// spaces. Checked when an admin stores a key; the encoders leave out the
// key's header rather than write an invalid one (no header injection), and
// the provider's 401 then moves the call to the fallback.
bool is_valid_api_key(std::string_view key);

}  // namespace delta::llm
