#include "protocol/auth.hpp"

#include <algorithm>

namespace delta::protocol {

bool entitlement_table::enabled(const std::string& tier, const std::string& feature) const {
  auto* t = find(tier);
  return t && std::find(t->features.begin(), t->features.end(), feature) != t->features.end();
}

}  // namespace delta::protocol
