#pragma once
// Pure: which credential a request presents. A request with both an API key
// and a bearer token uses the API key (API.md). Secrets are hashed at once.

#include "http/message.hpp"

#include <string>
#include <string_view>

namespace delta::http {

struct presented_credential {
  enum class kind { none, api_key, session, malformed } type = kind::none;
  std::string hash;  // SHA-256 hex of the secret (api_key, session)
};

presented_credential credential_of(const request& req);

// The same checks and hashing for a secret presented outside the headers
// (the live stream's first message {"op":"auth", ...}).
presented_credential api_key_credential(std::string_view key);
presented_credential session_credential(std::string_view token);

}  // namespace delta::http
