// The live stream (API.md "Live stream"): GET /api/v2/stream upgrades to a
// WebSocket served by a connection actor (http/stream_connection.hpp) and the
// stream hub (actors/stream/stream_hub.hpp).
#include "http/routes/stream.hpp"

#include "http/api_error.hpp"
#include "http/edge.hpp"
#include "http/routes/routes.hpp"
#include "http/stream_connection.hpp"

#include <caf/all.hpp>

namespace delta::http {

namespace {

void open_stream(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  if (!req.websocket)
    return reply->send(error_response(
        make_api_error(error_code::bad_request,
                       "GET /api/v2/stream is a WebSocket endpoint: send a WebSocket upgrade request."),
        req.request_id));
  if (!ctx.svc.get(protocol::stream_hub_service))
    return reply->send(error_response(make_api_error(error_code::unavailable), req.request_id));
  stream_connection_config cfg;
  cfg.edge = caf::actor_cast<caf::actor>(ctx.self);
  cfg.hub = ctx.svc.slot(protocol::stream_hub_service);
  cfg.jobs = ctx.svc.slot(protocol::jobs_service);
  cfg.channels = ctx.svc.get(protocol::stream_channels_service);
  if (!cfg.channels) cfg.channels = std::make_shared<const protocol::stream_channels>();
  cfg.sink = req.websocket;
  if (ctx.who) cfg.who = *ctx.who;
  req.websocket->attach(spawn_stream_connection(*ctx.self, std::move(cfg)));
  reply->send(response{101, {}, {}, {}});
}

}  // namespace

void add_stream_routes(router& r) {
  r.get("/api/v2/stream")
      .summary(
          "Live stream (WebSocket). Authenticate with the usual headers on the upgrade, or with a "
          "first message {\"op\":\"auth\",\"token\"|\"api_key\"} within 10 s (answered "
          "{\"type\":\"authenticated\",\"user_id\",\"auth_method\"}; bad credentials: an "
          "unauthorized error, then close 1008). Client messages: {\"op\":\"subscribe\","
          "\"channel\":\"decisions\",\"filters\":{\"symbol\"?,\"model\"?,\"event_type\"?}}, "
          "{\"op\":\"subscribe\",\"channel\":\"jobs\",\"filters\":{\"job_id\"}} (own jobs; admins: "
          "any; another user's or an unknown job is a not_found error), {\"op\":\"unsubscribe\",\"subscription_id\"} (answered {\"type\":\"unsubscribed\","
          "\"subscription_id\"}), {\"op\":\"ping\"} (answered {\"type\":\"pong\"}). Server messages: "
          "subscribed, event {channel, subscription_id, data}, error {code, message} (the "
          "connection stays open). Limits: 64 KiB per message (close 1009), 100 subscriptions per "
          "connection (limit_reached), a bounded send queue (a slow client is closed with 1008). "
          "Shutdown closes with 1001.",
          "stream")
      .auth(auth_mode::none)
      .rate_group("stream")
      .websocket()
      .answers({101, 400, 401})
      .in_edge(open_stream);
}

}  // namespace delta::http
