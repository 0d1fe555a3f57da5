#pragma once
// Identity messages: principals, users, API keys, tiers and entitlements, and
// the typed interfaces of the auth actor and the session entities.

#include <caf/actor.hpp>
#include "protocol/service_directory.hpp"
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace delta::protocol {

// Who is calling, whatever the credential: one shape for sessions and keys.
struct principal {
  std::string user_id;
  std::string email;
  std::string display_name;
  std::string tier;
  std::string role;          // user | admin | internal
  std::string auth_method;   // session | api_key
  std::string key_id;        // api_key only
  std::string key_prefix;    // api_key only: names the key's rate-limit bucket
  std::int64_t expires_at = 0;  // unix seconds; 0 = never (credential expiry)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, principal& x) {
  return f(caf::meta::type_name("delta.principal"), x.user_id, x.email, x.display_name, x.tier,
           x.role, x.auth_method, x.key_id, x.key_prefix, x.expires_at);
}

struct user_view {
  std::string user_id;
  std::string email;
  std::string display_name;
  std::string tier;
  std::string role;
  bool active = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_view& x) {
  return f(caf::meta::type_name("delta.user_view"), x.user_id, x.email, x.display_name, x.tier,
           x.role, x.active);
}

struct register_request {
  std::string email;
  std::string password;
  std::string display_name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, register_request& x) {
  return f(caf::meta::type_name("delta.register_request"), x.email, x.password, x.display_name);
}

struct login_result {
  std::string token;       // shown once
  std::string expires_at;  // RFC 3339
  user_view user;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_result& x) {
  return f(caf::meta::type_name("delta.login_result"), x.token, x.expires_at, x.user);
}

struct api_key_view {
  std::string key_id;
  std::string name;
  std::string key;  // the secret: set only in the answer to its creation
  std::string prefix;
  std::int64_t rate_limit_per_hour = 0;
  std::string created_at;
  std::string expires_at;  // empty: never
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_key_view& x) {
  return f(caf::meta::type_name("delta.api_key_view"), x.key_id, x.name, x.key, x.prefix,
           x.rate_limit_per_hour, x.created_at, x.expires_at);
}

// One page of a user's API keys (newest last), and how many there are.
struct key_query {
  std::string user_id;
  std::int32_t limit = 50;
  std::int64_t offset = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, key_query& x) {
  return f(caf::meta::type_name("delta.key_query"), x.user_id, x.limit, x.offset);
}

struct api_key_page {
  std::vector<api_key_view> items;
  std::int64_t total = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_key_page& x) {
  return f(caf::meta::type_name("delta.api_key_page"), x.items, x.total);
}

struct tier_view {
  std::string tier;
  std::int64_t api_keys_max = 0;
  std::int64_t rate_limit_per_hour = 0;
  std::vector<std::string> features;  // enabled ones
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tier_view& x) {
  return f(caf::meta::type_name("delta.tier_view"), x.tier, x.api_keys_max,
           x.rate_limit_per_hour, x.features);
}

struct user_patch {
  caf::optional<std::string> tier;
  caf::optional<std::string> role;
  caf::optional<bool> active;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_patch& x) {
  return f(caf::meta::type_name("delta.user_patch"), x.tier, x.role, x.active);
}

struct tier_patch {
  caf::optional<std::int64_t> api_keys_max;
  caf::optional<std::int64_t> rate_limit_per_hour;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tier_patch& x) {
  return f(caf::meta::type_name("delta.tier_patch"), x.api_keys_max, x.rate_limit_per_hour);
}

// The tiers table with entitlements: an immutable snapshot that the auth actor
// republishes whenever PostgreSQL says it changed (checked every 2 s).
struct entitlement_table {
  std::vector<tier_view> tiers;  // in rank order, free first

  const tier_view* find(const std::string& tier) const {
    for (auto& t : tiers)
      if (t.tier == tier) return &t;
    return nullptr;
  }
  bool enabled(const std::string& tier, const std::string& feature) const;
};

using entitlements_ptr = std::shared_ptr<const entitlement_table>;

using resolve_key_atom = caf::atom_constant<caf::atom("resolvekey")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using login_atom = caf::atom_constant<caf::atom("login")>;
using logout_atom = caf::atom_constant<caf::atom("logout")>;
using create_key_atom = caf::atom_constant<caf::atom("createkey")>;
using list_keys_atom = caf::atom_constant<caf::atom("listkeys")>;
using revoke_key_atom = caf::atom_constant<caf::atom("revokekey")>;
using list_tiers_atom = caf::atom_constant<caf::atom("listtiers")>;
using set_feature_atom = caf::atom_constant<caf::atom("setfeature")>;
using patch_tier_atom = caf::atom_constant<caf::atom("patchtier")>;
using patch_user_atom = caf::atom_constant<caf::atom("patchuser")>;
using resolve_atom = caf::atom_constant<caf::atom("resolve")>;

// The auth actor: users, API keys, tiers. Secrets arrive hashed where it can
// be (key_hash, token_hash): the actor never sees more than it needs.
using auth_actor = caf::typed_actor<
    caf::replies_to<resolve_key_atom, std::string>::with<principal>,
    caf::replies_to<register_atom, register_request>::with<user_view>,
    caf::replies_to<login_atom, std::string, std::string>::with<login_result>,
    caf::replies_to<create_key_atom, std::string, std::string, std::int64_t>::with<api_key_view>,
    caf::replies_to<list_keys_atom, key_query>::with<api_key_page>,
    caf::replies_to<revoke_key_atom, std::string, std::string>::with<bool>,
    caf::replies_to<list_tiers_atom>::with<std::vector<tier_view>>,
    caf::replies_to<set_feature_atom, std::string, std::string, bool>::with<tier_view>,
    caf::replies_to<patch_tier_atom, std::string, tier_patch>::with<tier_view>,
    caf::replies_to<patch_user_atom, std::string, user_patch>::with<user_view>>;

using invalidate_user_atom = caf::atom_constant<caf::atom("invaluser")>;
using invalidate_key_atom = caf::atom_constant<caf::atom("invalkey")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;

// A session entity (key: the token's SHA-256) owns one live session: it
// answers the session's principal and ends the session on logout.
using session_actor = caf::typed_actor<caf::replies_to<resolve_atom>::with<principal>,
                                       caf::replies_to<logout_atom>::with<bool>>;

// Where the node finds this domain's services (protocol/service_directory.hpp).
inline constexpr service<auth_actor> auth_service{"auth"};
inline constexpr service<caf::actor> sessions_service{"sessions"};
inline constexpr service<entitlements_ptr> entitlements_service{"entitlements"};

}  // namespace delta::protocol
