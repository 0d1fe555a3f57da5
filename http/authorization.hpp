#pragma once
// Pure: the one decision every route's declared requirement goes through.

#include "http/router.hpp"
#include "protocol/auth.hpp"

namespace delta::http {

enum class verdict { allow, unauthenticated, forbidden, not_entitled };

bool is_staff(const protocol::principal& who);  // admin or internal role

// `who` is null for anonymous requests.
verdict authorize(const route& rt, const protocol::principal* who,
                  const protocol::entitlement_table* table);

}  // namespace delta::http
