#include "actors/llm/wire_request.hpp"

#include <algorithm>

namespace delta::llm {

bool is_valid_api_key(std::string_view key) {
  return !key.empty() && key.size() <= 4096 &&
         std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace delta::llm
