#pragma once
// The one hash of the cluster: where an entity key and a virtual node fall on
// the ring. Every node computes it and must agree, across processes, builds
// and machines, so it is spelled out here (std::hash is neither stable nor
// mixed well). FNV-1a 64 reads the bytes; its low bits are weak and similar
// strings land close together, so splitmix64's finalizer spreads the result
// over the whole 64-bit space. The values are pinned by a unit test: changing
// this function moves every entity of a running cluster.

#include <cstdint>
#include <string_view>

namespace delta::cluster {

// splitmix64's output function (Steele, Lea, Flood 2014): a bijection on
// 64-bit words whose every output bit depends on every input bit.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

constexpr std::uint64_t fnv1a64(std::string_view bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;  // offset basis
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;  // FNV prime
  }
  return h;
}

// Where `key` falls on the ring.
constexpr std::uint64_t stable_hash(std::string_view key) noexcept { return mix64(fnv1a64(key)); }

// Where a member's `index`-th virtual node falls: splitmix64's sequence seeded
// by the member id's FNV-1a, so the points of one member do not depend on the
// other members or on how many virtual nodes there are.
constexpr std::uint64_t vnode_point_of_seed(std::uint64_t member_seed, std::uint32_t index) noexcept {
  constexpr std::uint64_t golden_gamma = 0x9e3779b97f4a7c15ull;
  return mix64(member_seed + golden_gamma * (std::uint64_t{index} + 1));
}
constexpr std::uint64_t vnode_point(std::string_view member, std::uint32_t index) noexcept {
  return vnode_point_of_seed(fnv1a64(member), index);
}

}  // namespace delta::cluster
