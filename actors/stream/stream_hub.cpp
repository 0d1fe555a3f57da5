#include "actors/stream/stream_hub.hpp"

#include "actors/stream/job_channel.hpp"
#include "domain/stream/server_message.hpp"
#include "actors/stream/subscription_table.hpp"
#include "protocol/jobs.hpp"
#include "protocol/stream.hpp"
#include "telemetry/metrics_registry.hpp"

#include <caf/all.hpp>

#include <unordered_map>

namespace delta::stream {

namespace {

struct hub_metrics {
  telemetry::gauge* subscriptions;
  telemetry::family<telemetry::counter>* published;
  telemetry::counter* delivered;
};

hub_metrics make_metrics() {
  auto& r = telemetry::global_metrics();
  return {&r.gauge_family("delta_stream_subscriptions", "Live-stream subscriptions on this node").with({}),
          &r.counter_family("delta_stream_events_published_total", "Events published to the live stream by channel"),
          &r.counter_family("delta_stream_events_delivered_total",
                            "Event messages queued to live-stream subscriptions")
               .with({})};
}

struct connection {
  connection_id id;
  protocol::stream_sink_ptr sink;
};

struct hub_state {
  static inline const char* name = "delta.stream_hub";
  subscription_table table;
  std::unordered_map<caf::actor_addr, connection> connections;  // by connection actor
  std::unordered_map<connection_id, caf::actor_addr> owners;
  connection_id next_id = 1;
  hub_metrics metrics = make_metrics();

  void publish_size() { metrics.subscriptions->set(static_cast<double>(table.size())); }
};

using hub_self = caf::stateful_actor<hub_state>*;

connection& connection_of(hub_self self, const caf::actor_addr& sender,
                          const protocol::stream_sink_ptr& sink) {
  auto& st = self->state;
  auto it = st.connections.find(sender);
  if (it != st.connections.end()) return it->second;
  auto id = st.next_id++;
  st.owners.emplace(id, sender);
  self->monitor(sender);
  return st.connections.emplace(sender, connection{id, sink}).first->second;
}

void forget(hub_self self, const caf::actor_addr& sender) {
  auto& st = self->state;
  auto it = st.connections.find(sender);
  if (it == st.connections.end()) return;
  st.table.remove_connection(it->second.id);
  st.owners.erase(it->second.id);
  st.connections.erase(it);
  st.publish_size();
}

void subscribe(hub_self self, protocol::stream_subscription& sub) {
  auto sender = self->current_sender();
  if (!sender || !sub.sink) return;
  auto& conn = connection_of(self, caf::actor_cast<caf::actor_addr>(sender), sub.sink);
  auto channel = sub.filter.channel;
  if (!self->state.table.add(conn.id, sub.subscription_id, std::move(sub.filter), std::move(sub.subscriber))) {
    conn.sink->send_text(error_message("conflict", "This subscription_id is in use."));
    return;
  }
  self->state.publish_size();
  conn.sink->send_text(subscribed_message(sub.subscription_id, channel));
}

void unsubscribe(hub_self self, const std::string& subscription_id) {
  auto& st = self->state;
  auto it = st.connections.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
  if (it == st.connections.end()) return;
  st.table.remove(it->second.id, subscription_id);
  st.publish_size();
  it->second.sink->send_text(unsubscribed_message(subscription_id));
}

void publish(hub_self self, const protocol::stream_event& event) {
  auto& st = self->state;
  st.metrics.published->with({{"channel", event.channel}}).inc();
  std::vector<connection_id> closed;
  for (auto& ref : st.table.match(event)) {
    auto owner = st.owners.find(ref.connection);
    if (owner == st.owners.end()) continue;
    auto& conn = st.connections.at(owner->second);
    if (conn.sink->send_text(event_message(event.channel, ref.subscription_id, event.data_json)))
      st.metrics.delivered->inc();
    else
      closed.push_back(ref.connection);  // closing (e.g. a slow client): stop matching it
  }
  for (auto id : closed)
    if (st.table.remove_connection(id) > 0) st.publish_size();
}

caf::behavior stream_hub(hub_self self) {
  self->set_down_handler([self](caf::down_msg& down) { forget(self, down.source); });
  self->state.publish_size();
  return {
      [self](protocol::stream_publish_atom, const protocol::stream_event& event) { publish(self, event); },
      [self](const protocol::job_event& job) { publish(self, to_stream_event(job)); },
      [self](protocol::stream_subscribe_atom, protocol::stream_subscription& sub) { subscribe(self, sub); },
      [self](protocol::stream_unsubscribe_atom, const std::string& id) { unsubscribe(self, id); },
  };
}

}  // namespace

caf::actor spawn_stream_hub(caf::local_actor& parent) { return parent.spawn(stream_hub); }

}  // namespace delta::stream
