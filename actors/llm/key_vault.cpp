#include "actors/llm/key_vault.hpp"

#include <sodium.h>

#include <cstdlib>
#include <vector>

namespace delta::llm {

namespace {

constexpr std::string_view prefix = "v1:";

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();  // no randomness: sealing would be unsafe
}

}  // namespace

std::optional<key_vault> key_vault::from_hex(std::string_view hex_key) {
  ensure_sodium();
  key_vault v;
  if (hex_key.empty()) return v;
  if (hex_key.size() != 64) return std::nullopt;
  std::size_t written = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(v.key_.data(), v.key_.size(), hex_key.data(), hex_key.size(), nullptr, &written,
                     &end) != 0 ||
      written != v.key_.size() || end != hex_key.data() + hex_key.size())
    return std::nullopt;
  v.configured_ = true;
  return v;
}

std::string key_vault::seal(std::string_view api_key) const {
  std::vector<unsigned char> box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + api_key.size());
  unsigned char* nonce = box.data();
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(box.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(api_key.data()), api_key.size(), nonce,
                        key_.data());
  std::string text(sodium_base64_encoded_len(box.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), box.data(), box.size(), sodium_base64_VARIANT_ORIGINAL);
  text.resize(text.find('\0'));
  return std::string{prefix} + text;
}

std::optional<std::string> key_vault::open(std::string_view sealed) const {
  if (!configured_ || sealed.substr(0, prefix.size()) != prefix) return std::nullopt;
  auto b64 = sealed.substr(prefix.size());
  std::vector<unsigned char> box(b64.size());
  std::size_t len = 0;
  if (sodium_base642bin(box.data(), box.size(), b64.data(), b64.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return std::nullopt;
  std::string plain(len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 box.data() + crypto_secretbox_NONCEBYTES, len - crypto_secretbox_NONCEBYTES,
                                 box.data(), key_.data()) != 0)
    return std::nullopt;
  return plain;
}

}  // namespace delta::llm
