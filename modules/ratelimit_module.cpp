// Rate limits: one bucket entity per principal (ip:, user:, key:) in three
// regions; the edge charges each request to its bucket (API.md
// "Conventions"). Files: actors/ratelimit/, http/rate_plan.
#include "modules/module.hpp"

#include "actors/ratelimit/bucket_actor.hpp"
#include "actors/runtime/published_child.hpp"
#include "http/rate_plan.hpp"

#include <algorithm>

namespace delta::modules {

namespace {

// How long a bucket must be idle before passivating it forgets nothing: the
// slowest of its limiters to come to rest (GCRA: burst x interval).
std::chrono::milliseconds rest_time(int per_minute, int burst, const std::vector<config::group_limit>& groups) {
  auto ms = std::int64_t{burst} * 60000 / per_minute;
  for (auto& g : groups) ms = std::max<std::int64_t>(ms, std::int64_t{g.burst} * 60000 / g.per_minute);
  return std::chrono::milliseconds(ms + 1000);
}

runtime::child_spec bucket_region(std::string name, protocol::slot_ptr<caf::actor> slot, std::chrono::milliseconds rest) {
  return runtime::published(name, slot, [name, rest](caf::local_actor& sup) {
    return ratelimit::spawn_bucket_region(sup, name, rest);
  });
}

class ratelimit_module : public module {
 public:
  std::string_view name() const override { return "ratelimit"; }
  // The limits the edge applies (checked when the settings were loaded).
  void start(node_context& ctx) override {
    auto rates = std::make_shared<http::rate_settings>();
    rates->base = ctx.settings.ratelimit;
    rates->groups = *config::parse_group_limits(ctx.settings.ratelimit.groups);
    ctx.services.rates = std::move(rates);
  }
  std::optional<runtime::supervisor_spec> supervisor(node_context& ctx) override {
    auto& s = ctx.settings.ratelimit;
    auto& groups = ctx.services.rates->groups;
    // Hourly quotas come to rest an hour after their last request.
    auto key_rest = std::max<std::chrono::milliseconds>(std::chrono::hours(1) + std::chrono::seconds(1),
                                                        rest_time(1, 1, groups));
    return runtime::supervisor_spec{
        "ratelimit",
        {bucket_region("buckets_ip", ctx.services.slot(protocol::buckets_ip_service),
                       rest_time(s.ip_per_minute, s.ip_burst, groups)),
         bucket_region("buckets_user", ctx.services.slot(protocol::buckets_user_service),
                       rest_time(s.user_per_minute, s.user_burst, groups)),
         bucket_region("buckets_key", ctx.services.slot(protocol::buckets_key_service), key_rest)}};
  }
};

}  // namespace

std::unique_ptr<module> make_ratelimit_module() { return std::make_unique<ratelimit_module>(); }

}  // namespace delta::modules
