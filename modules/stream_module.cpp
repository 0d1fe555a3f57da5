// The live stream: GET /api/v2/stream (API.md "Live stream") and the hub that
// fans events out to subscriptions. The channels come from the modules that
// publish (add_stream_channels). Files: http/routes/stream.cpp,
// http/stream_connection; actors/stream/; domain/stream/.
#include "modules/module.hpp"

#include "actors/runtime/published_child.hpp"
#include "actors/stream/stream_hub.hpp"
#include "http/routes/stream.hpp"

namespace delta::modules {

namespace {

class stream_module : public module {
 public:
  std::string_view name() const override { return "stream"; }
  void add_routes(http::router& r) const override { http::add_stream_routes(r); }
  std::optional<runtime::supervisor_spec> supervisor(node_context& ctx) override {
    return runtime::supervisor_spec{
        "stream", {runtime::published("hub", ctx.services.slot(protocol::stream_hub_service),
                                      [](caf::local_actor& sup) { return stream::spawn_stream_hub(sup); })}};
  }
};

}  // namespace

std::unique_ptr<module> make_stream_module() { return std::make_unique<stream_module>(); }

}  // namespace delta::modules
