#pragma once
// Pure: the one decision every route's declared requirement goes through.

#include "http/router.hpp"
#include "protocol/auth.hpp"

namespace delta::http {

enum class verdict { allow, unauthenticated, forbidden, not_entitled };

bool is_staff(const protocol::principal& who);  // admin or internal role

// Whether the caller's credentials matter to a route: it needs a principal
// (auth, tier, feature) or charges the caller's rate-limit bucket. A route
// that does neither (the operations probes /ready, /health/detailed)
// ignores credentials: resolving one can need the database, and a probe
// must not fail because of a header it does not use.
bool uses_credentials(const route& rt);

// `who` is null for anonymous requests.
verdict authorize(const route& rt, const protocol::principal* who,
                  const protocol::entitlement_table* table);

}  // namespace delta::http
