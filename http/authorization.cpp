#include "http/authorization.hpp"

#include <algorithm>

namespace delta::http {

bool is_staff(const protocol::principal& who) {
  return who.role == "admin" || who.role == "internal";
}

bool uses_credentials(const route& rt) {
  return rt.auth != auth_mode::none || !rt.tiers.empty() || !rt.feature.empty() || !rt.rate_group.empty();
}

verdict authorize(const route& rt, const protocol::principal* who,
                  const protocol::entitlement_table* table) {
  switch (rt.auth) {
    case auth_mode::none:
      return verdict::allow;
    case auth_mode::any:
      if (!who) return verdict::unauthenticated;
      break;
    case auth_mode::session:
      if (!who || who->auth_method != "session") return verdict::unauthenticated;
      break;
    case auth_mode::admin:
      // Administration is for admins only; internal (service) accounts pass
      // feature and tier checks below but cannot, say, promote users.
      if (!who) return verdict::unauthenticated;
      if (who->role != "admin") return verdict::forbidden;
      break;
  }
  if (is_staff(*who)) return verdict::allow;
  if (!rt.tiers.empty() &&
      std::find(rt.tiers.begin(), rt.tiers.end(), who->tier) == rt.tiers.end())
    return verdict::not_entitled;
  if (!rt.feature.empty() && (!table || !table->enabled(who->tier, rt.feature)))
    return verdict::not_entitled;
  return verdict::allow;
}

}  // namespace delta::http
