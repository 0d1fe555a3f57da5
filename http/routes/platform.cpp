// Platform: tiers, API keys, admin (API.md "Platform").
#include "http/routes/platform.hpp"

#include "core/uuid.hpp"
#include "http/api_error.hpp"
#include "http/edge.hpp"
#include "http/envelope.hpp"
#include "http/json_body.hpp"
#include "http/list_call.hpp"
#include "http/query.hpp"
#include "http/routes/identity_views.hpp"
#include "http/routes/routes.hpp"

#include <caf/all.hpp>


namespace delta::http {

namespace {

void not_found(const reply_ptr& reply, const std::string& what) {
  reply->send(error_response(make_api_error(error_code::not_found, what + " not found."),
                             reply->request_id()));
}

void list_tiers(edge_context& ctx, request&, path_params&, list_call& call) {
  if (call.refuse_invalid()) return;
  ctx.ask(ctx.svc.get(protocol::auth_service), protocol::list_tiers_atom::value)
      .then(call.slice_of_answer<std::vector<protocol::tier_view>>(tiers_json), answer_error(call.reply(), "Tier"));
}

void create_key(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  json_body body{req};
  auto name = body.text("name", true, 1, 100);
  auto days = body.integer("expires_in_days", false, 1, 3650);
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  ctx.ask(ctx.svc.get(protocol::auth_service), protocol::create_key_atom::value, ctx.who->user_id, *name,
          days.value_or(0))
      .then(answer_with<protocol::api_key_view>(reply, 201, api_key_json), answer_error(reply, "API key"));
}

void list_keys(edge_context& ctx, request&, path_params&, list_call& call) {
  if (call.refuse_invalid()) return;
  auto& page = call.page();
  protocol::key_query q{ctx.who->user_id, static_cast<std::int32_t>(page.limit), page.offset};
  ctx.ask(ctx.svc.get(protocol::auth_service), protocol::list_keys_atom::value, q)
      .then([call](const protocol::api_key_page& keys) { call.send(api_keys_json(keys.items), keys.total); },
            answer_error(call.reply(), "API key"));
}

void revoke_key(edge_context& ctx, request&, path_params& params, reply_ptr reply) {
  auto& key_id = params.at(0).second;
  // Not a key id at all, or not the caller's: the same 404 (no probing).
  if (!core::is_uuid(key_id)) return not_found(reply, "API key");
  ctx.ask(ctx.svc.get(protocol::auth_service), protocol::revoke_key_atom::value, ctx.who->user_id, key_id)
      .then([reply](bool) { reply->send(response{204, {}, {}, {}}); }, answer_error(reply, "API key"));
}

bool known_tier(const edge_context& ctx, const std::string& tier) {
  auto table = ctx.svc.get(protocol::entitlements_service);
  return table && table->find(tier);
}

void set_entitlement(edge_context& ctx, request& req, path_params& params, reply_ptr reply) {
  json_body body{req};
  auto enabled = body.boolean("enabled", true);
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  auto& tier = params.at(0).second;
  auto& feature = params.at(1).second;
  ctx.ask(ctx.svc.get(protocol::auth_service), protocol::set_feature_atom::value, tier, feature, *enabled)
      .then(answer_with<protocol::tier_view>(reply, 200, tier_json), answer_error(reply, "Tier or feature"));
}

void patch_tier(edge_context& ctx, request& req, path_params& params, reply_ptr reply) {
  json_body body{req};
  protocol::tier_patch patch;
  if (auto v = body.integer("api_keys_max", false, 0, 1000)) patch.api_keys_max = *v;
  if (auto v = body.integer("rate_limit_per_hour", false, 0, 1'000'000'000)) patch.rate_limit_per_hour = *v;
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  auto& tier = params.at(0).second;
  ctx.ask(ctx.svc.get(protocol::auth_service), protocol::patch_tier_atom::value, tier, patch)
      .then(answer_with<protocol::tier_view>(reply, 200, tier_json), answer_error(reply, "Tier"));
}

void patch_user(edge_context& ctx, request& req, path_params& params, reply_ptr reply) {
  json_body body{req};
  protocol::user_patch patch;
  if (auto tier = body.text("tier", false, 1, 32)) {
    if (!known_tier(ctx, *tier)) body.add_problem("tier", "must be an existing tier");
    else patch.tier = *tier;
  }
  if (auto role = body.text("role", false, 1, 16)) {
    if (*role != "user" && *role != "admin" && *role != "internal")
      body.add_problem("role", "must be one of user, admin, internal");
    else patch.role = *role;
  }
  if (auto active = body.boolean("active", false)) patch.active = *active;
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  auto& user_id = params.at(0).second;
  if (!core::is_uuid(user_id)) return not_found(reply, "User");
  ctx.ask(ctx.svc.get(protocol::auth_service), protocol::patch_user_atom::value, user_id, patch)
      .then(answer_with<protocol::user_view>(reply, 200, user_json), answer_error(reply, "User"));
}

}  // namespace

void add_platform_routes(router& r) {
  r.get("/api/v2/platform/tiers")
      .summary("Tiers with their key limits, hourly rate limits and features", "platform")
      .rate_group("platform")
      .answers({200})
      .list(list_tiers);
  r.post("/api/v2/platform/api-keys")
      .summary("Create an API key; the secret is shown only in this answer", "platform")
      .auth(auth_mode::any)
      .json_body()
      .rate_group("platform")
      .answers({201, 403, 422})
      .in_edge(create_key);
  r.get("/api/v2/platform/api-keys")
      .summary("The caller's API keys (never the secrets)", "platform")
      .auth(auth_mode::any)
      .rate_group("platform")
      .answers({200})
      .list(list_keys);
  r.del("/api/v2/platform/api-keys/{key_id}")
      .summary("Revoke one of the caller's keys, effective at once", "platform")
      .auth(auth_mode::any)
      .rate_group("platform")
      .param({"key_id", "path", "string", "the key's id", true})
      .answers({204, 404})
      .in_edge(revoke_key);
  r.put("/api/v2/platform/admin/entitlements/{tier}/{feature}")
      .summary("Enable or disable a feature for a tier (effective within 5 s)", "admin")
      .auth(auth_mode::admin)
      .json_body()
      .rate_group("admin")
      .answers({200, 404, 422})
      .in_edge(set_entitlement);
  r.put("/api/v2/platform/admin/tiers/{tier}")
      .summary("Change a tier's key limit or hourly rate limit (effective within 5 s)", "admin")
      .auth(auth_mode::admin)
      .json_body()
      .rate_group("admin")
      .answers({200, 404, 422})
      .in_edge(patch_tier);
  r.patch("/api/v2/platform/admin/users/{user_id}")
      .summary("Change a user's tier, role or active flag", "admin")
      .auth(auth_mode::admin)
      .json_body()
      .rate_group("admin")
      .answers({200, 404, 422})
      .in_edge(patch_user);
}

}  // namespace delta::http
