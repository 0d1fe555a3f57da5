#pragma once
// A domain as one module (the Envoy way): it contributes its prepared
// statements, its routes, its live-stream channels, its job kinds and its
// supervisor with children, and how it drains and stops. Its files stay in
// the layers the layout names (http/routes/, actors/<domain>/, storage/,
// migrations/); the module says which are its. The node lists modules
// (modules/node_modules.cpp) and nothing else: adding a domain is its files
// in each layer plus one line there (docs/ADDING_A_DOMAIN.md).

#include "actors/jobs/handler_registry.hpp"
#include "actors/runtime/supervisor.hpp"
#include "config/settings.hpp"
#include "http/edge.hpp"
#include "http/router.hpp"
#include "protocol/stream.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace delta::storage {
class pg_pool;
}

namespace delta::modules {

// What modules share while the node runs.
struct node_context {
  const config::settings& settings;
  storage::pg_pool& pool;
  // Every domain's service slots (protocol/service_directory.hpp): a module
  // publishes its actors there and finds the others' there.
  http::services& services;
  // Every job kind of this node; modules add theirs before any actor starts.
  std::shared_ptr<jobs::handler_registry> job_kinds;
};

class module {
 public:
  virtual ~module() = default;
  virtual std::string_view name() const = 0;

  // Before the pool starts: the prepared statements of its repositories.
  virtual void register_statements(storage::pg_pool&) const {}
  // Its HTTP routes, each declaring its schema, auth, feature and rate group.
  virtual void add_routes(http::router&) const {}
  // The live-stream channels it publishes to.
  virtual void add_stream_channels(protocol::stream_channels&) const {}
  // Its job kinds.
  virtual void add_job_kinds(node_context&) const {}
  // Starts what runs beside the actors (threads of its own), before any
  // actor; throws std::runtime_error when it cannot.
  virtual void start(node_context&) {}
  // Its supervisor (a child of root, started in list order), or none. May
  // throw std::invalid_argument for settings that cannot run.
  virtual std::optional<runtime::supervisor_spec> supervisor(node_context&) { return std::nullopt; }
  // SIGTERM, after the HTTP edge stopped: finish or release its work within
  // its own bound; logs what it waited for.
  virtual void drain(node_context&, caf::actor_system&) {}
  // After every actor is done: stops what start() started.
  virtual void stop(node_context&) {}
};

using module_list = std::vector<std::unique_ptr<module>>;

// The node's modules, in start order (modules/node_modules.cpp).
module_list node_modules();

// Every module's routes, then the OpenAPI document of them all.
std::unique_ptr<http::router> build_router(const module_list& modules);

}  // namespace delta::modules
