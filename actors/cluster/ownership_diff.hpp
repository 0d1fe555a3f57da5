#pragma once
// Which of the entities a node holds must move, and where, after the ring
// changed. Only the new ring matters: what a node holds is the truth about
// what it owned, including entities it received or spawned while the rings
// of the nodes disagreed, so nothing is compared with the old ring.

#include "actors/cluster/hash_ring.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace delta::cluster {

struct handover_plan {
  // New owner -> the keys to hand it, in the order given.
  std::map<std::string, std::vector<std::string>> moves;
  // Keys no one owns in the new ring (it is empty: this node fenced, or the
  // last node left): passivate them, there is no one to hand them to.
  std::vector<std::string> orphaned;
  std::size_t kept = 0;  // keys that stay here
};

handover_plan ownership_diff(const hash_ring& next, std::string_view self,
                             const std::vector<std::string>& live_keys);

}  // namespace delta::cluster
