#pragma once
// Credentials cross actor (and node) boundaries only as SHA-256 hashes, and
// are stored only so. The formats of the secrets themselves live here too.

#include <string>
#include <string_view>

namespace delta::protocol {

// Lower-case hex SHA-256 (64 characters).
std::string sha256_hex(std::string_view data);

// API keys: "dk_live_" + 43 base64url characters (256 random bits). The
// visible prefix (first 16 characters) names the key in lists and buckets.
constexpr std::string_view api_key_scheme = "dk_live_";
constexpr std::size_t api_key_prefix_length = 16;

// Session tokens: "ds_" + 43 base64url characters (256 random bits).
constexpr std::string_view session_token_scheme = "ds_";

// Constant-time equality for secrets of equal length.
bool equal_secrets(std::string_view a, std::string_view b);

}  // namespace delta::protocol
