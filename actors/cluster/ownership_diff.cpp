#include "actors/cluster/ownership_diff.hpp"

namespace delta::cluster {

handover_plan ownership_diff(const hash_ring& next, std::string_view self,
                             const std::vector<std::string>& live_keys) {
  handover_plan plan;
  for (const auto& key : live_keys) {
    const std::string* owner = next.owner(key);
    if (!owner)
      plan.orphaned.push_back(key);
    else if (*owner == self)
      ++plan.kept;
    else
      plan.moves[*owner].push_back(key);
  }
  return plan;
}

}  // namespace delta::cluster
