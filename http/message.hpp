#pragma once
// The HTTP request and response as plain values, shared by the Beast server
// (asio threads) and the edge actor (CAF threads); neither library leaks here.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::json {
class value;
}

namespace delta::http {

class websocket_upgrade;  // http/websocket.hpp

using header_list = std::vector<std::pair<std::string, std::string>>;  // names lower-case

struct request {
  std::string method;   // upper-case, e.g. GET
  std::string path;     // raw (still percent-encoded), without the query
  std::string query;    // raw, without '?'
  header_list headers;
  std::string body;
  std::shared_ptr<const boost::json::value> json;  // parsed body on JSON routes
  std::string remote_address;
  std::string request_id;
  std::chrono::steady_clock::time_point received_at;
  // Set when the client asks to upgrade on a WebSocket route.
  std::shared_ptr<websocket_upgrade> websocket;

  const std::string* header(std::string_view lower_name) const {
    for (auto& [name, value] : headers)
      if (name == lower_name) return &value;
    return nullptr;
  }
};

struct response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  header_list headers;  // extra headers (Allow, RateLimit-*, ...)
};

// Delivers the response of one request to its connection; callable from any
// thread, exactly once. The server decorates and writes it on the
// connection's strand.
class responder {
 public:
  virtual ~responder() = default;
  virtual void send(response res) = 0;
};

using responder_ptr = std::shared_ptr<responder>;

// The promise of one answer. Whoever holds the last reference to an
// unanswered reply (an actor that crashed with the request in its mailbox, a
// message dropped on the way to a restarting actor) answers 503 by
// destroying it, so no client ever waits for a response that cannot come.
class pending_reply {
 public:
  pending_reply(responder_ptr target, std::string request_id)
      : target_(std::move(target)), request_id_(std::move(request_id)) {}
  pending_reply(const pending_reply&) = delete;
  pending_reply& operator=(const pending_reply&) = delete;
  ~pending_reply();

  void send(response res) {
    auto target = std::move(target_);
    if (!target) return;
    for (auto& h : extra_headers_) res.headers.push_back(std::move(h));
    target->send(std::move(res));
  }
  // Headers for whatever answer comes (e.g. RateLimit-* set before the handler runs).
  void add_headers(header_list headers) {
    for (auto& h : headers) extra_headers_.push_back(std::move(h));
  }
  bool answered() const { return !target_; }
  const std::string& request_id() const { return request_id_; }

 private:
  responder_ptr target_;
  std::string request_id_;
  header_list extra_headers_;
};

using reply_ptr = std::shared_ptr<pending_reply>;

}  // namespace delta::http
