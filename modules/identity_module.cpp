// Identity: users, sessions, API keys, tiers and entitlements (API.md "Users
// and sessions", "Platform"). Files: http/routes/users.cpp, platform.cpp;
// actors/auth/; storage/identity_repository; migrations 0002.
#include "modules/module.hpp"

#include "actors/auth/auth_actor.hpp"
#include "actors/auth/hasher.hpp"
#include "actors/runtime/published_child.hpp"
#include "http/routes/platform.hpp"
#include "http/routes/users.hpp"
#include "storage/identity_repository.hpp"

namespace delta::modules {

namespace {

class identity_module : public module {
 public:
  std::string_view name() const override { return "identity"; }
  void register_statements(storage::pg_pool& pool) const override { storage::identity::register_statements(pool); }
  void add_routes(http::router& r) const override {
    http::add_users_routes(r);
    http::add_platform_routes(r);
  }
  std::optional<runtime::supervisor_spec> supervisor(node_context& ctx) override {
    using runtime::published;
    auto& s = ctx.settings.auth;
    auth::auth_options options;
    options.session_ttl = std::chrono::hours(s.session_ttl_hours);
    auto hasher = std::make_shared<protocol::actor_slot<caf::actor>>();
    auto sessions = ctx.services.slot(protocol::sessions_service);
    auto entitlements = ctx.services.slot(protocol::entitlements_service);
    auto* pool = &ctx.pool;
    return runtime::supervisor_spec{
        "auth",
        {published("hasher", hasher,
                   [threads = static_cast<std::size_t>(s.hasher_threads)](caf::local_actor& sup) {
                     return auth::spawn_hasher(sup, threads);
                   }),
         published("sessions", sessions, [pool](caf::local_actor& sup) { return auth::spawn_session_region(sup, *pool); }),
         published("auth", ctx.services.slot(protocol::auth_service),
                   [pool, hasher, entitlements, sessions, options](caf::local_actor& sup) {
                     return auth::spawn_auth_actor(sup, *pool, hasher, entitlements, sessions, options);
                   })}};
  }
};

}  // namespace

std::unique_ptr<module> make_identity_module() { return std::make_unique<identity_module>(); }

}  // namespace delta::modules
