#pragma once
// A provider's base_url split into what the HTTP client connects to and the
// path prefix the wire encoders put in front of their endpoint path.
// Only http and https; no user-info (credentials belong in headers, and a
// URL is logged), no query or fragment.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace delta::llm {

struct parsed_base_url {
  bool tls = false;        // https
  std::string host;        // lower-cased; IPv6 literals without brackets
  std::uint16_t port = 0;  // explicit, or 443 / 80
  std::string path_prefix; // "" or "/v1" (never a trailing '/')
};

// nullopt with `why` set when the URL is unusable; `why` names the problem
// for an admin's 422 (it never contains more than the URL itself).
std::optional<parsed_base_url> parse_base_url(std::string_view url, std::string* why = nullptr);

}  // namespace delta::llm
