#pragma once
// LISTEN on one PostgreSQL channel from a dedicated connection and thread
// (a listening connection cannot run the pool's calls, and the pool's
// connections are shared). Notifications are handed to `deliver` in batches:
// everything that arrived in one read, in order, so a burst of NOTIFYs costs
// the receiver one message. The callback runs on the listener's thread and
// should only anon_send.
//
// The connection is re-established with exponential backoff and jitter;
// after every (re)connect `on_connected` runs, because notifications sent
// while no connection listened are lost and the receiver must poll once.
// Connecting is non-blocking, so stop() returns within one poll cycle.

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace delta::storage {

struct listener_options {
  std::string url;
  std::string channel;  // an SQL identifier: [a-z_][a-z0-9_]*
  int connect_timeout_seconds = 2;
  int max_backoff_ms = 2000;
};

class pg_listener {
 public:
  using deliver_fn = std::function<void(std::vector<std::string> payloads)>;
  using connected_fn = std::function<void()>;

  // Throws std::invalid_argument for a malformed channel name.
  pg_listener(listener_options options, deliver_fn deliver, connected_fn on_connected);
  ~pg_listener();  // stop()
  pg_listener(const pg_listener&) = delete;
  pg_listener& operator=(const pg_listener&) = delete;

  void start();
  void stop();
  bool connected() const;  // listening right now

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace delta::storage
