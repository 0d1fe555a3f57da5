#pragma once
// The WebSocket transport (Boost.Beast; no CAF): one session per upgraded
// connection, implementing websocket_upgrade / protocol::stream_sink with a
// bounded send_queue, and the registry the server closes them through on
// shutdown. Included only by server.cpp and ws_session.cpp.

#include "http/websocket.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace delta::http {

// The open WebSockets of one server.
class ws_endpoint;

class websocket_registry {
 public:
  std::uint64_t add(std::weak_ptr<ws_endpoint> session);
  void remove(std::uint64_t id);
  // Closes every open session with `code`, and sessions added later too.
  void close_all(std::uint16_t code, const std::string& reason);
  // Since close_all: the code and reason a new session is to close with.
  std::optional<std::pair<std::uint16_t, std::string>> closing();
  // True when none is open (any more) before `deadline`.
  bool wait_empty(std::chrono::steady_clock::time_point deadline);
  std::size_t size();
  // After the io threads stopped: every open session lets go of its handler
  // (see ws_endpoint::abandon).
  void abandon_all();

 private:
  std::mutex mutex_;
  std::condition_variable empty_;
  std::map<std::uint64_t, std::weak_ptr<ws_endpoint>> sessions_;
  std::uint64_t next_ = 1;
  std::optional<std::pair<std::uint16_t, std::string>> closing_;
};

class ws_endpoint : public websocket_upgrade {
 public:
  // The route answered 101: take over the connection (on its strand) and
  // complete the handshake.
  virtual void start(boost::beast::tcp_stream stream,
                     boost::beast::http::request<boost::beast::http::string_body> upgrade,
                     std::string request_id) = 0;
  // The route answered anything else: the upgrade will not happen.
  virtual void refuse() = 0;
  // The server stopped with the connection still open: tell the handler it
  // closed and drop it, without touching the socket (no io thread runs).
  // The handler holds the stream connection actor, which holds this
  // session; breaking that cycle here, while the actor system still runs,
  // keeps the session's last owner from being an actor's cleanup racing
  // the io_context's destruction.
  virtual void abandon() = 0;
};

// `executor` is the HTTP connection's strand.
std::shared_ptr<ws_endpoint> make_ws_endpoint(boost::asio::any_io_executor executor,
                                              const websocket_limits& limits,
                                              std::chrono::seconds idle_timeout,
                                              std::shared_ptr<websocket_registry> registry);

}  // namespace delta::http
