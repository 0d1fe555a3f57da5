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

// Secrets are never compared byte by byte: keys and tokens are looked up by
// their SHA-256 (an attacker cannot steer the hash's leading bytes, so the
// lookup's timing says nothing about the secret), and passwords are checked
// by libsodium's constant-time argon2id verification.

}  // namespace delta::protocol
