#pragma once
// The live stream (GET /api/v2/stream, API.md "Live stream"): the events
// domains publish, and the messages of the fan-out actor ("stream hub",
// actors/stream/stream_hub.hpp) that delivers each event to every matching
// WebSocket subscription on this node.
//
// How a domain publishes (the jobs engine, the signal pipeline):
//   Get the hub's slot (http::services::stream, or the node-level slot that
//   cmd/node.cpp passes to the domain's supervisor), then
//
//     protocol::stream_event e;
//     e.channel = "decisions";                // or "jobs"
//     e.owner_user_id = user_id;              // empty: visible to every subscriber
//     e.symbol = "AAPL"; e.model = "gpt-x";   // the attributes filters match on
//     e.event_type = "decision";
//     e.data_json = R"({"event_id":"...","decision":"approve"})";  // a JSON value
//     if (auto hub = slot->get())
//       caf::anon_send(hub, protocol::stream_publish_atom::value, std::move(e));
//
//   Fire and forget: no reply, never blocks, costs one message. The hub
//   delivers to matching subscriptions only; an event with an owner reaches
//   only its owner's subscriptions and admins'. `data_json` must be valid
//   JSON (it is embedded verbatim as the event message's `data`).
//
//   The jobs engine may instead send a protocol::job_event (protocol/jobs.hpp)
//   to the same hub, as actors/jobs/job_events.cpp does: the hub turns it into
//   a `jobs` event {job_id, kind, status, progress, result?, error?}
//   (actors/stream/job_channel.hpp).

#include <caf/actor.hpp>
#include "protocol/service_directory.hpp"
#include "protocol/stream_sink.hpp"

#include "protocol/local_message.hpp"
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace delta::protocol {

// Channels a client may subscribe to. Each domain that publishes declares
// its channels (its module adds them to the node's table); the stream
// accepts exactly the channels in the table.
constexpr const char* stream_channel_decisions = "decisions";
constexpr const char* stream_channel_jobs = "jobs";

struct stream_channel_spec {
  std::string name;
  std::vector<std::string> filters;   // the filter names a subscription may give
  std::vector<std::string> required;  // of those, the ones it must give
  bool admin_only = false;            // only admins may subscribe
  // Subscriptions must name one of the subscriber's own jobs (filters.job_id):
  // the connection asks the jobs actor who owns it (admins may follow any).
  bool owned_job = false;
};

using stream_channels = std::vector<stream_channel_spec>;
using stream_channels_ptr = std::shared_ptr<const stream_channels>;

// The channel of `name` in `channels`, or null.
inline const stream_channel_spec* find_channel(const stream_channels& channels, std::string_view name) {
  for (auto& c : channels)
    if (c.name == name) return &c;
  return nullptr;
}

struct stream_event {
  std::string channel;        // "decisions" | "jobs"
  std::string owner_user_id;  // empty: no owner (public on `decisions`, admins only on `jobs`)
  std::string symbol;         // attributes matched by subscription filters; empty: none
  std::string model;
  std::string event_type;
  std::string job_id;
  std::string data_json;      // the event's `data`, JSON text
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_event& x) {
  return f(caf::meta::type_name("delta.stream_event"), x.channel, x.owner_user_id, x.symbol,
           x.model, x.event_type, x.job_id, x.data_json);
}

// What one subscription asks for: the channel, and attributes that must
// equal the event's (empty: any). `jobs` subscriptions always name a job_id.
struct stream_filter {
  std::string channel;
  std::string symbol;
  std::string model;
  std::string event_type;
  std::string job_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_filter& x) {
  return f(caf::meta::type_name("delta.stream_filter"), x.channel, x.symbol, x.model,
           x.event_type, x.job_id);
}

// Who subscribes: decides which owned events the subscription may see.
struct stream_subscriber {
  std::string user_id;
  bool admin = false;
};

// A subscription as a connection actor hands it to the hub (local only: it
// carries the connection's sink). The hub answers the client itself, in the
// sink ({"type":"subscribed"}), so that no event can overtake that answer.
struct stream_subscription {
  std::string subscription_id;  // unique within its connection
  stream_filter filter;
  stream_subscriber subscriber;
  stream_sink_ptr sink;
};

// (stream_publish_atom, stream_event): fan one event out. No reply.
using stream_publish_atom = caf::atom_constant<caf::atom("strpub")>;
// (stream_subscribe_atom, stream_subscription) from a connection actor; the
// hub monitors the sender and drops its subscriptions when it ends.
using stream_subscribe_atom = caf::atom_constant<caf::atom("strsub")>;
// (stream_unsubscribe_atom, subscription_id) from the same connection actor;
// the hub answers {"type":"unsubscribed"} in the sink.
using stream_unsubscribe_atom = caf::atom_constant<caf::atom("strunsub")>;

// Where the node finds this domain's services (protocol/service_directory.hpp).
inline constexpr service<caf::actor> stream_hub_service{"stream"};
inline constexpr service<stream_channels_ptr> stream_channels_service{"stream_channels"};

}  // namespace delta::protocol

DELTA_LOCAL_MESSAGE(delta::protocol::stream_subscription)
