#include "actors/cluster/hash_ring.hpp"

#include "actors/cluster/stable_hash.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

namespace delta::cluster {

// Two members' points may coincide (probability ~ points² / 2^65): the lower
// member index, i.e. the smaller id, wins, so that too is order-free.
bool hash_ring::ring_point::operator<(const ring_point& o) const {
  return point != o.point ? point < o.point : owner < o.owner;
}

// The points of the members at `indexes` (into `members`), sorted.
std::vector<hash_ring::ring_point> hash_ring::points_of(const std::vector<std::string>& members,
                                                        const std::vector<std::uint32_t>& indexes,
                                                        int vnodes) {
  std::vector<ring_point> out;
  out.reserve(indexes.size() * static_cast<std::size_t>(vnodes));
  for (auto m : indexes) {
    std::uint64_t seed = fnv1a64(members[m]);
    for (int v = 0; v < vnodes; ++v)
      out.push_back({vnode_point_of_seed(seed, static_cast<std::uint32_t>(v)), m});
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

std::vector<std::string> sorted_unique(std::vector<std::string> members) {
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  return members;
}

}  // namespace

hash_ring::hash_ring(std::vector<std::string> members, int vnodes_per_member)
    : members_{sorted_unique(std::move(members))}, vnodes_{std::max(vnodes_per_member, 1)} {
  std::vector<std::uint32_t> all(members_.size());
  std::iota(all.begin(), all.end(), 0u);
  assign(points_of(members_, all, vnodes_));
}

// Kept members keep their points (renumbered: ids keep their order, so the
// points stay sorted), new members' points are sorted on their own and the two
// runs merged: linear in the points, where a fresh build sorts them all.
hash_ring::hash_ring(const hash_ring& previous, std::vector<std::string> members)
    : members_{sorted_unique(std::move(members))}, vnodes_{previous.vnodes_} {
  std::vector<std::int64_t> renumbered(previous.members_.size(), -1);
  std::vector<std::uint32_t> added;
  for (std::uint32_t m = 0, old = 0; m < members_.size(); ++m) {
    while (old < previous.members_.size() && previous.members_[old] < members_[m]) ++old;
    if (old < previous.members_.size() && previous.members_[old] == members_[m])
      renumbered[old] = m;
    else
      added.push_back(m);
  }
  auto fresh = points_of(members_, added, vnodes_);
  std::size_t total = members_.size() * static_cast<std::size_t>(vnodes_);
  points_.reserve(total);
  point_owner_.reserve(total);
  std::size_t i = 0, j = 0;
  auto skip_removed = [&] {
    while (i < previous.points_.size() && renumbered[previous.point_owner_[i]] < 0) ++i;
  };
  for (skip_removed(); i < previous.points_.size() || j < fresh.size(); skip_removed()) {
    ring_point kept{};
    if (i < previous.points_.size())
      kept = {previous.points_[i], static_cast<std::uint32_t>(renumbered[previous.point_owner_[i]])};
    bool take_kept = i < previous.points_.size() && (j == fresh.size() || kept < fresh[j]);
    const ring_point& next = take_kept ? kept : fresh[j];
    points_.push_back(next.point);
    point_owner_.push_back(next.owner);
    if (take_kept) ++i;
    else ++j;
  }
  index_buckets();
}

void hash_ring::assign(std::vector<ring_point> sorted) {
  points_.reserve(sorted.size());
  point_owner_.reserve(sorted.size());
  for (const auto& p : sorted) {
    points_.push_back(p.point);
    point_owner_.push_back(p.owner);
  }
  index_buckets();
}

void hash_ring::index_buckets() {
  int bits = 0;
  while (bits < 30 && (std::size_t{1} << (bits + 1)) <= points_.size()) ++bits;
  bucket_shift_ = 64 - bits;  // 2^bits buckets, each ~1-2 points
  std::size_t buckets = std::size_t{1} << bits;
  bucket_start_.assign(buckets + 1, static_cast<std::uint32_t>(points_.size()));
  for (std::size_t i = points_.size(); i-- > 0;)
    bucket_start_[bits == 0 ? 0 : points_[i] >> bucket_shift_] = static_cast<std::uint32_t>(i);
  for (std::size_t b = buckets; b-- > 0;)  // empty buckets start where the next one does
    bucket_start_[b] = std::min(bucket_start_[b], bucket_start_[b + 1]);
}

const std::string* hash_ring::owner(std::string_view key) const {
  if (points_.empty()) return nullptr;
  std::uint64_t h = stable_hash(key);
  std::size_t b = bucket_shift_ == 64 ? 0 : h >> bucket_shift_;
  // The first point >= h is in h's bucket or is the first point after it.
  auto first = points_.begin() + bucket_start_[b];
  auto last = points_.begin() + bucket_start_[b + 1];
  auto it = std::lower_bound(first, last, h);
  std::size_t i = it == points_.end() ? 0 : static_cast<std::size_t>(it - points_.begin());
  return &members_[point_owner_[i]];
}

std::map<std::string, double> hash_ring::shares() const {
  std::map<std::string, double> out;
  if (members_.size() == 1) out[members_.front()] = 1.0;
  if (members_.size() <= 1) return out;

  // Point i owns the arc (points_[i-1], points_[i]]; point 0 also owns the
  // wrap-around arc above the last point (unsigned subtraction wraps).
  std::vector<double> owned(members_.size(), 0.0);
  for (std::size_t i = 0; i < points_.size(); ++i) {
    std::uint64_t previous = points_[i == 0 ? points_.size() - 1 : i - 1];
    owned[point_owner_[i]] += static_cast<double>(points_[i] - previous);
  }
  double total = std::accumulate(owned.begin(), owned.end(), 0.0);
  for (std::size_t m = 0; m < members_.size(); ++m) out[members_[m]] = owned[m] / total;
  return out;
}

std::size_t hash_ring::memory_bytes() const {
  std::size_t bytes = sizeof(*this) + points_.capacity() * sizeof(std::uint64_t) +
                      point_owner_.capacity() * sizeof(std::uint32_t) +
                      bucket_start_.capacity() * sizeof(std::uint32_t) +
                      members_.capacity() * sizeof(std::string);
  for (const auto& m : members_)
    if (m.capacity() > std::string{}.capacity()) bytes += m.capacity() + 1;  // not inline
  return bytes;
}

}  // namespace delta::cluster
