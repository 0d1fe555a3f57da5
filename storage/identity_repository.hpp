#pragma once
// SQL for users, sessions, API keys, tiers and entitlements.

#include "protocol/auth.hpp"
#include "storage/pg_pool.hpp"

namespace delta::storage::identity {

void register_statements(pg_pool& pool);

pg_statement insert_user(const std::string& email, const std::string& password_hash,
                         const std::string& display_name, const std::string& tier = "free",
                         const std::string& role = "user");
pg_statement user_by_email(const std::string& email);  // + password_hash column
pg_statement insert_session(const std::string& token_hash, const std::string& user_id,
                            std::int64_t ttl_seconds);
pg_statement session_principal(const std::string& token_hash);
pg_statement revoke_session(const std::string& token_hash);
pg_statement key_principal(const std::string& key_hash);
// Two statements for one transaction: lock the user, insert unless at the tier's maximum.
std::vector<pg_statement> insert_key_within_limit(const std::string& user_id,
                                                  const std::string& name,
                                                  const std::string& prefix,
                                                  const std::string& key_hash,
                                                  std::int64_t expires_in_days);
// The count of the user's live keys, then one page of them.
std::vector<pg_statement> list_keys(const protocol::key_query& q);
pg_statement revoke_key(const std::string& user_id, const std::string& key_id);
pg_statement all_tiers();
pg_statement set_feature(const std::string& tier, const std::string& feature, bool enabled);
pg_statement patch_tier(const std::string& tier, const protocol::tier_patch& patch);
pg_statement patch_user(const std::string& user_id, const protocol::user_patch& patch);

// Row conversions. Principal rows: user_id, email, display_name, tier, role,
// expires_at (epoch seconds or NULL), key_id, prefix.
std::optional<protocol::principal> to_principal(const pg_result& r, const std::string& method);
protocol::user_view to_user(const pg_row& row);  // user_id, email, display_name, tier, role, active
std::vector<protocol::api_key_view> to_keys(const pg_result& r);
protocol::api_key_page to_key_page(const std::vector<pg_result>& results);
protocol::entitlement_table to_entitlements(const pg_result& r);

}  // namespace delta::storage::identity
