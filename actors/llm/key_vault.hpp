#pragma once
// Seals provider API keys given to the admin API so the database stores only
// ciphertext (migrations/0006_llm_sealed_keys.sql). libsodium secretbox
// (XSalsa20-Poly1305, a fresh random nonce per key): "v1:" + base64(nonce ||
// ciphertext). The vault key comes from config llm.key_encryption_key (64
// hex digits = 32 bytes) and lives only in this process's memory.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace delta::llm {

class key_vault {
 public:
  // nullopt when `hex_key` is not exactly 64 hex digits. An empty string
  // gives a vault that cannot seal (configured() false): literal keys are
  // then refused with a message that says how to configure one.
  static std::optional<key_vault> from_hex(std::string_view hex_key);

  bool configured() const { return configured_; }
  // Requires configured().
  std::string seal(std::string_view api_key) const;
  // nullopt when `sealed` is malformed or was sealed under another key.
  std::optional<std::string> open(std::string_view sealed) const;

 private:
  bool configured_ = false;
  std::array<unsigned char, 32> key_{};
};

}  // namespace delta::llm
