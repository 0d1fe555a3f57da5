#include "storage/identity_repository.hpp"

namespace delta::storage::identity {

namespace {

constexpr const char* rfc3339 = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

std::string ts(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', " + rfc3339 + ")";
}

pg_value optional_text(const caf::optional<std::string>& v) {
  return v ? pg_value{*v} : pg_value{};
}

template <class T>
pg_value optional_number(const caf::optional<T>& v) {
  return v ? pg_value{std::to_string(*v)} : pg_value{};
}

}  // namespace

void register_statements(pg_pool& pool) {
  const std::string user_cols = "user_id::text, email, coalesce(display_name, ''), tier, role, active";
  pool.add_statement("users_insert",
                     "INSERT INTO users (email, password_hash, display_name, tier, role) "
                     "VALUES ($1, $2, nullif($3, ''), $4, $5) RETURNING " + user_cols);
  pool.add_statement("users_by_email", "SELECT " + user_cols +
                                           ", password_hash FROM users WHERE lower(email) = lower($1)");
  pool.add_statement("sessions_insert",
                     "INSERT INTO sessions (token_hash, user_id, expires_at) "
                     "VALUES ($1, $2::uuid, now() + make_interval(secs => $3::bigint)) RETURNING " +
                         ts("expires_at"));
  pool.add_statement(
      "sessions_principal",
      "SELECT u.user_id::text, u.email, coalesce(u.display_name, ''), u.tier, u.role, "
      "extract(epoch FROM s.expires_at)::bigint, NULL, NULL "
      "FROM sessions s JOIN users u ON u.user_id = s.user_id "
      "WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.active");
  pool.add_statement("sessions_revoke",
                     "UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL");
  pool.add_statement(
      "keys_principal",
      "SELECT u.user_id::text, u.email, coalesce(u.display_name, ''), u.tier, u.role, "
      "extract(epoch FROM k.expires_at)::bigint, k.key_id::text, k.prefix "
      "FROM api_keys k JOIN users u ON u.user_id = k.user_id "
      "WHERE k.key_hash = $1 AND k.revoked_at IS NULL "
      "AND (k.expires_at IS NULL OR k.expires_at > now()) AND u.active");
  pool.add_statement("users_lock", "SELECT 1 FROM users WHERE user_id = $1::uuid FOR UPDATE");
  pool.add_statement(
      "keys_insert_within_limit",
      "INSERT INTO api_keys (user_id, name, prefix, key_hash, expires_at) "
      "SELECT $1::uuid, $2, $3, $4, CASE WHEN $5::int > 0 THEN now() + make_interval(days => $5::int) END "
      "WHERE (SELECT count(*) FROM api_keys WHERE user_id = $1::uuid AND revoked_at IS NULL "
      "       AND (expires_at IS NULL OR expires_at > now())) "
      "    < (SELECT t.api_keys_max FROM users u JOIN tiers t ON t.tier = u.tier WHERE u.user_id = $1::uuid) "
      "RETURNING key_id::text, name, prefix, "
      "(SELECT t.rate_limit_per_hour FROM users u JOIN tiers t ON t.tier = u.tier WHERE u.user_id = $1::uuid), " +
          ts("created_at") + ", coalesce(" + ts("expires_at") + ", '')");
  pool.add_statement(
      "keys_list",
      "SELECT k.key_id::text, k.name, k.prefix, t.rate_limit_per_hour, " + ts("k.created_at") +
          ", coalesce(" + ts("k.expires_at") + ", '') "
          "FROM api_keys k JOIN users u ON u.user_id = k.user_id JOIN tiers t ON t.tier = u.tier "
          "WHERE k.user_id = $1::uuid AND k.revoked_at IS NULL ORDER BY k.created_at, k.key_id "
          "LIMIT $2::int OFFSET $3::bigint");
  pool.add_statement("keys_count",
                     "SELECT count(*) FROM api_keys WHERE user_id = $1::uuid AND revoked_at IS NULL");
  pool.add_statement("keys_revoke",
                     "UPDATE api_keys SET revoked_at = now() "
                     "WHERE key_id = $2::uuid AND user_id = $1::uuid AND revoked_at IS NULL "
                     "RETURNING key_hash");
  pool.add_statement("tiers_all",
                     "SELECT t.tier, t.api_keys_max, t.rate_limit_per_hour, "
                     "coalesce(string_agg(e.feature, ',' ORDER BY e.feature) FILTER (WHERE e.enabled), '') "
                     "FROM tiers t LEFT JOIN tier_entitlements e ON e.tier = t.tier "
                     "GROUP BY t.tier, t.rank ORDER BY t.rank");
  pool.add_statement("tiers_set_feature",
                     "UPDATE tier_entitlements SET enabled = $3, updated_at = now() "
                     "WHERE tier = $1 AND feature = $2 RETURNING tier");
  pool.add_statement("tiers_patch",
                     "UPDATE tiers SET api_keys_max = coalesce($2::int, api_keys_max), "
                     "rate_limit_per_hour = coalesce($3::int, rate_limit_per_hour), updated_at = now() "
                     "WHERE tier = $1 RETURNING tier");
  pool.add_statement("users_patch",
                     "UPDATE users SET tier = coalesce($2, tier), role = coalesce($3, role), "
                     "active = coalesce($4::boolean, active), updated_at = now() "
                     "WHERE user_id = $1::uuid RETURNING " + user_cols);
}

pg_statement insert_user(const std::string& email, const std::string& password_hash,
                         const std::string& display_name, const std::string& tier,
                         const std::string& role) {
  return pg_statement::prepared("users_insert", {email, password_hash, display_name, tier, role});
}

pg_statement user_by_email(const std::string& email) {
  return pg_statement::prepared("users_by_email", {email});
}

pg_statement insert_session(const std::string& token_hash, const std::string& user_id,
                            std::int64_t ttl_seconds) {
  return pg_statement::prepared("sessions_insert", {token_hash, user_id, std::to_string(ttl_seconds)});
}

pg_statement session_principal(const std::string& token_hash) {
  return pg_statement::prepared("sessions_principal", {token_hash});
}

pg_statement revoke_session(const std::string& token_hash) {
  return pg_statement::prepared("sessions_revoke", {token_hash});
}

pg_statement key_principal(const std::string& key_hash) {
  return pg_statement::prepared("keys_principal", {key_hash});
}

std::vector<pg_statement> insert_key_within_limit(const std::string& user_id,
                                                  const std::string& name,
                                                  const std::string& prefix,
                                                  const std::string& key_hash,
                                                  std::int64_t expires_in_days) {
  return {pg_statement::prepared("users_lock", {user_id}),
          pg_statement::prepared("keys_insert_within_limit",
                                 {user_id, name, prefix, key_hash, std::to_string(expires_in_days)})};
}

std::vector<pg_statement> list_keys(const protocol::key_query& q) {
  return {pg_statement::prepared("keys_count", {q.user_id}),
          pg_statement::prepared("keys_list", {q.user_id, std::to_string(q.limit), std::to_string(q.offset)})};
}

pg_statement revoke_key(const std::string& user_id, const std::string& key_id) {
  return pg_statement::prepared("keys_revoke", {user_id, key_id});
}

pg_statement all_tiers() { return pg_statement::prepared("tiers_all"); }

pg_statement set_feature(const std::string& tier, const std::string& feature, bool enabled) {
  return pg_statement::prepared("tiers_set_feature", {tier, feature, enabled ? "true" : "false"});
}

pg_statement patch_tier(const std::string& tier, const protocol::tier_patch& patch) {
  return pg_statement::prepared(
      "tiers_patch", {tier, optional_number(patch.api_keys_max), optional_number(patch.rate_limit_per_hour)});
}

pg_statement patch_user(const std::string& user_id, const protocol::user_patch& patch) {
  pg_value active = patch.active ? pg_value{*patch.active ? "true" : "false"} : pg_value{};
  return pg_statement::prepared("users_patch",
                                {user_id, optional_text(patch.tier), optional_text(patch.role), active});
}

std::optional<protocol::principal> to_principal(const pg_result& r, const std::string& method) {
  if (r.rows.empty()) return std::nullopt;
  auto& row = r.rows.front();
  protocol::principal p;
  p.user_id = row[0].value_or("");
  p.email = row[1].value_or("");
  p.display_name = row[2].value_or("");
  p.tier = row[3].value_or("free");
  p.role = row[4].value_or("user");
  p.expires_at = row[5] ? std::stoll(*row[5]) : 0;
  p.key_id = row[6].value_or("");
  p.key_prefix = row[7].value_or("");
  p.auth_method = method;
  return p;
}

protocol::user_view to_user(const pg_row& row) {
  return {row[0].value_or(""), row[1].value_or(""), row[2].value_or(""),
          row[3].value_or(""), row[4].value_or(""), row[5].value_or("f") == "t"};
}

std::vector<protocol::api_key_view> to_keys(const pg_result& r) {
  std::vector<protocol::api_key_view> out;
  for (auto& row : r.rows) {
    protocol::api_key_view k;
    k.key_id = row[0].value_or("");
    k.name = row[1].value_or("");
    k.prefix = row[2].value_or("");
    k.rate_limit_per_hour = std::stoll(row[3].value_or("0"));
    k.created_at = row[4].value_or("");
    k.expires_at = row[5].value_or("");
    out.push_back(std::move(k));
  }
  return out;
}

protocol::api_key_page to_key_page(const std::vector<pg_result>& results) {
  return {to_keys(results.at(1)), results.at(0).first_integer()};
}

protocol::entitlement_table to_entitlements(const pg_result& r) {
  protocol::entitlement_table t;
  for (auto& row : r.rows) {
    protocol::tier_view v;
    v.tier = row[0].value_or("");
    v.api_keys_max = std::stoll(row[1].value_or("0"));
    v.rate_limit_per_hour = std::stoll(row[2].value_or("0"));
    auto features = row[3].value_or("");
    std::size_t start = 0;
    while (start < features.size()) {
      auto comma = features.find(',', start);
      if (comma == std::string::npos) comma = features.size();
      v.features.push_back(features.substr(start, comma - start));
      start = comma + 1;
    }
    t.tiers.push_back(std::move(v));
  }
  return t;
}

}  // namespace delta::storage::identity
