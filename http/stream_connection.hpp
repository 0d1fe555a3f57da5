#pragma once
// The actor of one live-stream WebSocket connection (GET /api/v2/stream),
// spawned by the route in the edge actor: it authenticates the connection
// (by the upgrade's headers, or by a first message {"op":"auth",...} that
// the edge resolves with the same code and cache as HTTP headers, bounded
// by `auth_timeout`), parses and validates what the client sends, answers
// ping and errors, keeps the connection's subscription ids (at most
// `max_subscriptions`) and hands subscriptions to the stream hub; a job's
// subscription only for the job's owner or an admin (anyone else hears
// not_found, as for an unknown job). Events go
// from the hub straight into the connection's sink, not through this actor.
// It ends when the connection ends, and closes the connection when it ends
// first (1001 when the edge stops, 1012 when the hub restarts).

#include "http/websocket.hpp"
#include "protocol/actor_slot.hpp"
#include "protocol/auth.hpp"
#include "protocol/jobs.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

namespace delta::http {

struct stream_connection_limits {
  std::chrono::seconds auth_timeout{10};  // first-message auth; then close 1008
  std::size_t max_subscriptions = 100;    // per connection
  std::chrono::seconds lookup_timeout{5};  // asking the jobs actor who owns a job
};

struct stream_connection_config {
  caf::actor edge;                          // answers whois_atom (http/edge.hpp)
  protocol::slot_ptr<caf::actor> hub;       // the stream hub
  protocol::slot_ptr<protocol::jobs_actor> jobs;  // who owns a job (the jobs channel is for its owner)
  protocol::stream_channels_ptr channels;   // the channels a client may subscribe to
  protocol::stream_sink_ptr sink;           // the connection's outbound side
  std::optional<protocol::principal> who;   // from the upgrade's headers, if any
  stream_connection_limits limits;
};

// Spawns the connection's actor (it monitors the edge and ends with it);
// returns what the transport calls with the client's messages.
std::shared_ptr<websocket_handler> spawn_stream_connection(caf::local_actor& parent,
                                                           stream_connection_config config);

}  // namespace delta::http
