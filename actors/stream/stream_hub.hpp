#pragma once
// The live stream's fan-out actor (one per node, under the `stream`
// supervisor): holds every WebSocket subscription of this node and delivers
// each published event to every matching one, straight into the
// connection's bounded send queue (protocol::stream_sink): no hop through
// the connection's own actor. Messages: protocol/stream.hpp.
//
// Publishing (see protocol/stream.hpp for the full recipe):
//   caf::anon_send(hub, protocol::stream_publish_atom::value, protocol::stream_event{...});
//   caf::anon_send(hub, protocol::job_event{...});   // the jobs engine's events
//
// A restart loses the subscriptions: connection actors monitor the hub and
// close their WebSocket with 1012 (service restart) so clients resubscribe.

#include <caf/fwd.hpp>

namespace delta::stream {

caf::actor spawn_stream_hub(caf::local_actor& parent);

}  // namespace delta::stream
