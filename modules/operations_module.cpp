// Operations: /health, /ready, /health/detailed, /metrics (API.md
// "Operations") and the health actor behind the probes. Files:
// http/routes/operations.cpp; actors/health/.
#include "modules/module.hpp"

#include "actors/health/health_actor.hpp"
#include "actors/runtime/published_child.hpp"
#include "http/routes/operations.hpp"

namespace delta::modules {

namespace {

class operations_module : public module {
 public:
  std::string_view name() const override { return "operations"; }
  void add_routes(http::router& r) const override { http::add_operations_routes(r); }
  std::optional<runtime::supervisor_spec> supervisor(node_context& ctx) override {
    return runtime::supervisor_spec{
        "health", {runtime::published("health", ctx.services.slot(protocol::health_service),
                                      [pool = &ctx.pool, llm = ctx.services.slot(protocol::llm_admin_service)](
                                          caf::local_actor& sup) { return health::spawn_health_actor(sup, *pool, llm); })}};
  }
};

}  // namespace

std::unique_ptr<module> make_operations_module() { return std::make_unique<operations_module>(); }

}  // namespace delta::modules
