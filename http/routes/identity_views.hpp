#pragma once
// Pure: identity values as the JSON clients see (API.md "Users and
// sessions", "Platform": users, sessions, API keys, tiers).
#include "protocol/auth.hpp"

#include <string>
#include <vector>

namespace delta::http {

std::string user_json(const protocol::user_view& u);
std::string me_json(const protocol::principal& who);
std::string login_json(const protocol::login_result& r);
// `key` (the secret) is included only in the answer to the key's creation.
std::string api_key_json(const protocol::api_key_view& k);
std::string api_keys_json(const std::vector<protocol::api_key_view>& keys);
std::string tier_json(const protocol::tier_view& t);
std::string tiers_json(const std::vector<protocol::tier_view>& tiers);

}  // namespace delta::http
