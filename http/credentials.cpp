#include "http/credentials.hpp"

#include "protocol/credentials.hpp"

namespace delta::http {

namespace {

bool iequals_prefix(const std::string& text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  return true;
}

bool plausible_secret(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

}  // namespace

presented_credential api_key_credential(std::string_view key) {
  using kind = presented_credential::kind;
  if (!plausible_secret(key)) return {kind::malformed, {}};
  return {kind::api_key, protocol::sha256_hex(key)};
}

presented_credential session_credential(std::string_view token) {
  using kind = presented_credential::kind;
  if (!plausible_secret(token)) return {kind::malformed, {}};
  return {kind::session, protocol::sha256_hex(token)};
}

presented_credential credential_of(const request& req) {
  using kind = presented_credential::kind;
  if (auto* key = req.header("x-api-key")) return api_key_credential(*key);
  if (auto* auth = req.header("authorization")) {
    if (!iequals_prefix(*auth, "bearer ")) return {kind::malformed, {}};
    std::string_view token{*auth};
    token.remove_prefix(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    return session_credential(token);
  }
  return {kind::none, {}};
}

}  // namespace delta::http
