#pragma once
// Passwords (argon2id, libsodium) and random secrets. Hashing a password
// takes ~100 ms of CPU and 64 MiB by design: call these only from the
// detached hasher actors or from the CLI, never on a scheduler thread.

#include <optional>
#include <string>

namespace delta::auth {

void init_sodium();  // idempotent; aborts start-up if libsodium cannot initialise

std::string hash_password(const std::string& password);
bool verify_password(const std::string& encoded_hash, const std::string& password);

// A hash of a random password, verified against when the email is unknown so
// that both failures take the same time.
const std::string& decoy_password_hash();

// scheme + 43 base64url characters of 256 random bits.
std::string random_secret(std::string_view scheme);

}  // namespace delta::auth
