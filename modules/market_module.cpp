// Market data: securities, candles, prices and indicators (API.md "Market").
// Files: http/routes/market.cpp; actors/market/; domain/market/;
// storage/security_repository, candle_repository; migrations 0001, 0004.
#include "modules/module.hpp"

#include "actors/market/market_actor.hpp"
#include "actors/runtime/published_child.hpp"
#include "http/routes/market.hpp"
#include "storage/candle_repository.hpp"
#include "storage/security_repository.hpp"

namespace delta::modules {

namespace {

class market_module : public module {
 public:
  std::string_view name() const override { return "market"; }
  void register_statements(storage::pg_pool& pool) const override {
    storage::securities::register_statements(pool);
    storage::candles::register_statements(pool);
  }
  void add_routes(http::router& r) const override { http::add_market_routes(r); }
  std::optional<runtime::supervisor_spec> supervisor(node_context& ctx) override {
    market::market_options options{std::chrono::seconds(ctx.settings.market.cache_ttl_seconds),
                                   static_cast<std::size_t>(ctx.settings.market.cache_max_entries)};
    return runtime::supervisor_spec{
        "market", {runtime::published("market", ctx.services.slot(protocol::market_service),
                                      [pool = &ctx.pool, options](caf::local_actor& sup) {
                                        return market::spawn_market_actor(sup, *pool, options);
                                      })}};
  }
};

}  // namespace

std::unique_ptr<module> make_market_module() { return std::make_unique<market_module>(); }

}  // namespace delta::modules
