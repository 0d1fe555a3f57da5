#pragma once
// Node ids as API.md defines them: 1..64 characters of A-Za-z0-9._-, new for
// each start of a process (so a restarted node is a new member, never the
// old one back: CAF 0.17 may drop a reconnect from a node id it knows).

#include <cstddef>
#include <string_view>

namespace delta::cluster {

inline constexpr std::size_t max_node_id_length = 64;
inline constexpr std::string_view node_id_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

// For a {node_id} in a route or a row read back: anything else is not a node.
constexpr bool valid_node_id(std::string_view id) {
  if (id.empty() || id.size() > max_node_id_length) return false;
  for (char c : id)
    if (node_id_alphabet.find(c) == std::string_view::npos) return false;
  return true;
}

}  // namespace delta::cluster
