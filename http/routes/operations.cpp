// Operations routes: unversioned, no auth (API.md "Operations").
#include "http/routes/operations.hpp"

#include "http/api_error.hpp"
#include "http/edge.hpp"
#include "http/routes/health_views.hpp"
#include "http/routes/routes.hpp"
#include "telemetry/metrics_registry.hpp"

#include <caf/all.hpp>

namespace delta::http {

namespace {

response plain_json(int status, std::string body) { return {status, std::move(body), "application/json", {}}; }

// How long a probe route waits for the health actor (whose own probes give
// up after 1.5 s): well inside the edge's generic deadline, so the route,
// not the edge's 503 envelope, answers a health actor that is restarting,
// stuck or gone.
constexpr auto health_answer_timeout = std::chrono::seconds(3);

// Asks the health actor, then shapes its report with `view`; without a
// report, the documented body all the same (unanswered_health_report).
// A timed request (not the edge's untimed ask): a probe is not a hot path.
template <class View>
void answer_with_health(edge_context& ctx, reply_ptr reply, View view) {
  auto health = ctx.svc.get(protocol::health_service);
  if (!health) return reply->send(view(unanswered_health_report()));
  ctx.self->request(health, health_answer_timeout, protocol::check_health_atom::value)
      .then([reply, view](const protocol::health_report& report) { reply->send(view(report)); },
            [reply, view](const caf::error&) { reply->send(view(unanswered_health_report())); });
}

}  // namespace

void add_operations_routes(router& r) {
  r.get("/health")
      .summary("Liveness: 200 while the process runs", "operations")
      .answers({200})
      // Inline: liveness must not depend on a busy scheduler, or probes
      // would restart a node that is merely loaded.
      .inline_answer([](const request&, const path_params&) {
        return plain_json(200, R"({"status":"ok"})");
      });

  r.get("/ready")
      .summary("Readiness: the database (and, in a cluster, membership) is usable", "operations")
      .answers({200})
      .in_edge([](edge_context& ctx, request&, path_params&, reply_ptr reply) {
        answer_with_health(ctx, std::move(reply), [tiers = ctx.svc.slot(protocol::entitlements_service)](protocol::health_report report) {
          // Until the tier table is loaded the edge answers 503 to every
          // request its entitlements or rate limits decide: not ready yet,
          // whatever the probes say (a node starting, its database late).
          if (!tiers->get())
            report.components.push_back({"tiers", "unhealthy", "the tier table is not loaded yet", {}});
          bool ready = false;
          auto body = readiness_json(report, ready);
          return plain_json(ready ? 200 : 503, std::move(body));
        });
      });

  r.get("/health/detailed")
      .summary("Health of each component: healthy, degraded or unhealthy", "operations")
      .answers({200})
      .in_edge([](edge_context& ctx, request&, path_params&, reply_ptr reply) {
        answer_with_health(ctx, std::move(reply), [](const protocol::health_report& report) {
          std::string overall;
          auto body = health_detailed_json(report, overall);
          return plain_json(overall == "unhealthy" ? 503 : 200, std::move(body));
        });
      });

  r.get("/metrics")
      .summary("Prometheus metrics (text exposition format)", "operations")
      .answers({200})
      .inline_answer([](const request&, const path_params&) {
        return response{200, telemetry::global_metrics().render(),
                        "text/plain; version=0.0.4; charset=utf-8", {}};
      });
}

}  // namespace delta::http
