#pragma once
// The HTTP/1.1 server on its own asio threads (Boost.Beast). It parses,
// enforces transport rules (limits, timeouts, body media type and syntax,
// CORS, 404/405), answers inline routes, and hands every other request to the
// edge through `dispatch`. Responses come back through a responder from any
// thread and are decorated (X-Request-ID, X-Response-Time, CORS), counted
// and logged in one place before they are written. No CAF in this file.

#include "http/cors.hpp"
#include "http/router.hpp"
#include "http/websocket.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace delta::http {

struct server_options {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  int threads = 1;
  std::uint64_t body_limit = 1 << 20;
  std::uint32_t header_limit = 16 * 1024;
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds header_timeout{10};
  // How long a connection that is being closed waits: after its last answer
  // for the client's own close (so that a reset cannot destroy the answer),
  // and, once the server stops, for one more request on an idle kept-alive
  // connection (a client may be sending it right then; it gets 503).
  std::chrono::milliseconds linger{1000};
  std::vector<std::string> cors_allowed_origins;
  bool access_log = true;
  websocket_limits websocket;
};

using dispatch_fn = std::function<void(const route&, request&, path_params&, reply_ptr)>;

class server {
 public:
  server(server_options options, const router& routes, dispatch_fn dispatch);
  ~server();

  // Binds and starts the asio threads; throws std::system_error when the
  // address cannot be bound. Returns the bound port.
  unsigned short start();

  // Stops accepting: connections already queued by the kernel are taken
  // and new ones refused (never reset). Answers from now on close their
  // connection, requests read from now on get 503 `unavailable`, idle
  // kept-alive connections are closed after `linger`, and every open
  // WebSocket is closed with 1001 (going away).
  void stop_accepting();
  // Waits until every connection and WebSocket has closed (so every request
  // was answered), at most `timeout`; true when they all did.
  bool wait_idle(std::chrono::milliseconds timeout);
  // Stops the asio threads and joins them. After stop_accepting(), requests
  // still waiting for their answer first get 503 `unavailable` (and at most
  // `linger` to receive it); whatever else is open is dropped.
  void stop();

  std::int64_t in_flight() const;
  std::int64_t open_connections() const;  // HTTP connections, WebSockets excluded
  std::int64_t open_websockets() const;

  struct impl;  // public so the connection sessions in server.cpp can name it

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace delta::http
