#pragma once
// Ids of events, jobs, keys and users are UUIDs in their canonical text form
// (8-4-4-4-12 hex digits). Checking the form first keeps a malformed id from
// reaching PostgreSQL, whose uuid cast would fail the whole statement.

#include <string_view>

namespace delta::core {

constexpr bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

}  // namespace delta::core
