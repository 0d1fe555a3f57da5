#include "actors/auth/secrets.hpp"

#include <sodium.h>

#include <cstdlib>
#include <stdexcept>

namespace delta::auth {

void init_sodium() {
  if (sodium_init() < 0) std::abort();
}

std::string hash_password(const std::string& password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error{"out of memory while hashing a password"};
  return out;
}

bool verify_password(const std::string& encoded_hash, const std::string& password) {
  return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

const std::string& decoy_password_hash() {
  static const std::string hash = [] {
    init_sodium();
    return hash_password(random_secret("decoy_"));
  }();
  return hash;
}

std::string random_secret(std::string_view scheme) {
  init_sodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char encoded[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(encoded, sizeof encoded, bytes, sizeof bytes,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(bytes, sizeof bytes);
  return std::string{scheme} + encoded;
}

}  // namespace delta::auth
