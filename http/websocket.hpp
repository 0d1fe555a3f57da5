#pragma once
// The WebSocket side of the HTTP edge, as plain interfaces (no Beast, no
// CAF): a request that asks to upgrade on a WebSocket route carries a
// websocket_upgrade (request::websocket). The route's handler (in the edge
// actor) attaches a websocket_handler for what the client sends, keeps the
// upgrade as the connection's stream_sink, and answers status 101; the
// server then completes the handshake. Any other answer refuses the upgrade
// with that HTTP response (e.g. 401 with the JSON error envelope).

#include "protocol/stream_sink.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace delta::http {

struct websocket_limits {
  std::size_t max_message_bytes = 64 * 1024;      // larger client messages: close 1009
  std::size_t send_queue_messages = 1024;         // a fuller send queue: close 1008
  std::size_t send_queue_bytes = 1024 * 1024;
  std::chrono::seconds close_timeout{5};          // a close handshake's bound
};

// What the client sends, delivered on the connection's asio thread: must
// not block (forward it to an actor).
class websocket_handler {
 public:
  virtual ~websocket_handler() = default;
  virtual void on_text(std::string text) = 0;
  // Once, when the connection has ended (closed by either side or failed).
  virtual void on_closed() = 0;
};

class websocket_upgrade : public protocol::stream_sink {
 public:
  // Before answering 101.
  virtual void attach(std::shared_ptr<websocket_handler> handler) = 0;
};

using websocket_upgrade_ptr = std::shared_ptr<websocket_upgrade>;

}  // namespace delta::http
