#include "protocol/credentials.hpp"

#include <sodium.h>

namespace delta::protocol {

std::string sha256_hex(std::string_view data) {
  // libsodium's SHA-256: on the hot path of every API-key request, and
  // several times cheaper than OpenSSL 3's EVP_Digest with its implicit fetch.
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(sizeof digest * 2);
  for (unsigned i = 0; i < sizeof digest; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace delta::protocol
