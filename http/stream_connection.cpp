#include "http/stream_connection.hpp"

#include "core/uuid.hpp"
#include "domain/stream/client_message.hpp"
#include "domain/stream/server_message.hpp"
#include "http/credentials.hpp"
#include "http/edge.hpp"
#include "http/job_access.hpp"
#include "http/query.hpp"
#include "protocol/errors.hpp"
#include "protocol/stream.hpp"

#include <caf/all.hpp>

#include <set>

namespace delta::http {

namespace {

using stream_text_atom = caf::atom_constant<caf::atom("strtext")>;
using stream_closed_atom = caf::atom_constant<caf::atom("strclosed")>;
using auth_timeout_atom = caf::atom_constant<caf::atom("strauthto")>;

struct connection_state {
  static inline const char* name = "delta.stream_connection";
  stream_connection_config cfg;
  std::set<std::string> subscriptions;
  std::uint64_t next_subscription = 1;
  caf::actor hub;  // where this connection's subscriptions live (monitored)
};

using connection_self = caf::stateful_actor<connection_state>*;

void send(connection_self self, std::string text) { self->state.cfg.sink->send_text(std::move(text)); }

void send_error(connection_self self, std::string_view code, std::string_view message) {
  send(self, stream::error_message(code, message));
}

// Ends the connection: a last error message, then the close frame.
void close_with(connection_self self, std::uint16_t code, std::string_view error_code, std::string_view message) {
  send_error(self, error_code, message);
  self->state.cfg.sink->close(code, std::string{message});
  self->quit();
}

void reject_credentials(connection_self self, std::string_view message) {
  close_with(self, protocol::close_code::policy, "unauthorized", message);
}

void authenticate(connection_self self, const stream::client_message& m) {
  auto credential = m.api_key.empty() ? session_credential(m.token) : api_key_credential(m.api_key);
  // await: what the client sends meanwhile (say, its subscriptions) waits
  // in the mailbox until the answer is in. Bounded by the auth timeout.
  self->request(self->state.cfg.edge, self->state.cfg.limits.auth_timeout, whois_atom::value, credential)
      .await(
          [self](const protocol::principal& who) {
            self->state.cfg.who = who;
            send(self, stream::authenticated_message(who.user_id, who.auth_method));
          },
          [self](const caf::error& err) {
            if (protocol::code_of(err) == protocol::errc::unauthorized)
              return reject_credentials(self, "Invalid or revoked credentials.");
            close_with(self, protocol::close_code::try_again_later, "unavailable",
                       "The service is temporarily unavailable.");
          });
}

void add_subscription(connection_self self, protocol::stream_filter filter) {
  auto& st = self->state;
  if (!st.hub) {
    st.hub = st.cfg.hub ? st.cfg.hub->get() : caf::actor{};
    if (!st.hub) return send_error(self, "unavailable", "The live stream is temporarily unavailable.");
    self->monitor(st.hub);
  }
  auto id = "sub-" + std::to_string(st.next_subscription++);
  st.subscriptions.insert(id);
  auto& who = *st.cfg.who;
  protocol::stream_subscription sub{id, std::move(filter), {who.user_id, who.role == "admin"}, st.cfg.sink};
  self->send(st.hub, protocol::stream_subscribe_atom::value, std::move(sub));
}

void job_not_found(connection_self self) { send_error(self, "not_found", "No such job."); }

// The jobs channel follows one job, and only its owner's (an admin's: any).
// await: later messages wait until the owner is known, so answers keep
// the order of the client's messages.
void subscribe_to_job(connection_self self, protocol::stream_filter filter) {
  auto jobs = self->state.cfg.jobs ? self->state.cfg.jobs->get() : protocol::jobs_actor{};
  if (!core::is_uuid(filter.job_id)) return job_not_found(self);
  if (!jobs) return send_error(self, "unavailable", "The jobs service is temporarily unavailable.");
  auto job_id = filter.job_id;
  self->request(jobs, self->state.cfg.limits.lookup_timeout, protocol::get_job_atom::value, job_id)
      .await(
          [self, filter = std::move(filter)](const protocol::job_view& job) mutable {
            if (!may_see_job(job, *self->state.cfg.who)) return job_not_found(self);
            add_subscription(self, std::move(filter));
          },
          [self](const caf::error& err) {
            if (protocol::code_of(err) == protocol::errc::not_found) return job_not_found(self);
            send_error(self, "unavailable", "The jobs service is temporarily unavailable.");
          });
}

void subscribe(connection_self self, stream::client_message& m) {
  auto& st = self->state;
  if (st.subscriptions.size() >= st.cfg.limits.max_subscriptions)
    return send_error(self, "limit_reached",
                      "At most " + std::to_string(st.cfg.limits.max_subscriptions) +
                          " subscriptions per connection.");
  auto* spec = protocol::find_channel(*st.cfg.channels, m.filter.channel);  // the parser checked it exists
  if (spec->admin_only && st.cfg.who->role != "admin")
    return send_error(self, "forbidden", "The " + spec->name + " channel is for admins.");
  if (spec->owned_job) return subscribe_to_job(self, std::move(m.filter));
  add_subscription(self, std::move(m.filter));
}

void unsubscribe(connection_self self, const std::string& id) {
  auto& st = self->state;
  if (!st.subscriptions.erase(id)) return send_error(self, "not_found", "Unknown subscription_id.");
  self->send(st.hub, protocol::stream_unsubscribe_atom::value, id);
}

void on_text(connection_self self, const std::string& text) {
  auto parsed = stream::parse_client_message(text, *self->state.cfg.channels);
  auto authenticated = self->state.cfg.who.has_value();
  if (auto* error = std::get_if<stream::client_error>(&parsed)) {
    if (!authenticated) return reject_credentials(self, "Authenticate first: {\"op\":\"auth\",...}.");
    return send_error(self, error->code, error->message);
  }
  auto& m = std::get<stream::client_message>(parsed);
  using op = stream::client_op;
  if (m.op == op::ping) return send(self, stream::pong_message());
  if (m.op == op::auth) {
    if (authenticated) return send_error(self, "bad_request", "The connection is authenticated already.");
    return authenticate(self, m);
  }
  if (!authenticated) return reject_credentials(self, "Authenticate first: {\"op\":\"auth\",...}.");
  if (m.op == op::subscribe) return subscribe(self, m);
  unsubscribe(self, m.subscription_id);
}

caf::behavior stream_connection(connection_self self, stream_connection_config cfg) {
  self->state.cfg = std::move(cfg);
  auto& st = self->state;
  // However the actor ends, its connection ends too (a no-op when the
  // connection ended first).
  self->attach_functor([sink = st.cfg.sink](const caf::error& reason) {
    if (reason == caf::exit_reason::user_shutdown)
      sink->close(protocol::close_code::going_away, "server shutting down");
    else
      sink->close(protocol::close_code::internal, "internal error");
  });
  self->monitor(st.cfg.edge);
  self->set_down_handler([self](caf::down_msg& down) {
    auto& st = self->state;
    if (st.hub && down.source == st.hub.address()) {
      st.cfg.sink->close(protocol::close_code::service_restart, "stream service restarted: reconnect");
      return self->quit();
    }
    if (down.source == st.cfg.edge.address()) self->quit(caf::exit_reason::user_shutdown);
  });
  if (!st.cfg.who) self->delayed_send(self, st.cfg.limits.auth_timeout, auth_timeout_atom::value);
  return {
      [self](stream_text_atom, const std::string& text) { on_text(self, text); },
      [self](stream_closed_atom) { self->quit(); },
      [self](auth_timeout_atom) {
        if (!self->state.cfg.who) reject_credentials(self, "Authentication timed out.");
      },
  };
}

// The transport's inbound side: hands each message to the actor.
class inbound final : public websocket_handler {
 public:
  explicit inbound(caf::actor connection) : connection_(std::move(connection)) {}
  void on_text(std::string text) override {
    caf::anon_send(connection_, stream_text_atom::value, std::move(text));
  }
  void on_closed() override { caf::anon_send(connection_, stream_closed_atom::value); }

 private:
  caf::actor connection_;
};

}  // namespace

std::shared_ptr<websocket_handler> spawn_stream_connection(caf::local_actor& parent,
                                                           stream_connection_config config) {
  return std::make_shared<inbound>(parent.spawn(stream_connection, std::move(config)));
}

}  // namespace delta::http
