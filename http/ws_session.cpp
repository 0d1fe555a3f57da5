#include "http/ws_session.hpp"

#include "http/send_queue.hpp"
#include "telemetry/metrics_registry.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <optional>
#include <vector>

namespace delta::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

// --------------------------------------------------------------------------- registry

std::uint64_t websocket_registry::add(std::weak_ptr<ws_endpoint> session) {
  std::lock_guard guard{mutex_};
  auto id = next_++;
  sessions_.emplace(id, std::move(session));
  return id;
}

void websocket_registry::remove(std::uint64_t id) {
  std::lock_guard guard{mutex_};
  sessions_.erase(id);
  if (sessions_.empty()) empty_.notify_all();
}

void websocket_registry::close_all(std::uint16_t code, const std::string& reason) {
  std::vector<std::weak_ptr<ws_endpoint>> open;
  {
    std::lock_guard guard{mutex_};
    closing_.emplace(code, reason);
    for (auto& [id, s] : sessions_) open.push_back(s);
  }
  for (auto& weak : open)
    if (auto s = weak.lock()) s->close(code, reason);
}

std::optional<std::pair<std::uint16_t, std::string>> websocket_registry::closing() {
  std::lock_guard guard{mutex_};
  return closing_;
}

void websocket_registry::abandon_all() {
  std::vector<std::weak_ptr<ws_endpoint>> open;
  {
    std::lock_guard guard{mutex_};
    for (auto& [id, s] : sessions_) open.push_back(s);
  }
  for (auto& weak : open)
    if (auto s = weak.lock()) s->abandon();
}

bool websocket_registry::wait_empty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock{mutex_};
  return empty_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

std::size_t websocket_registry::size() {
  std::lock_guard guard{mutex_};
  return sessions_.size();
}

// --------------------------------------------------------------------------- session

namespace {

struct ws_metrics {
  telemetry::gauge& open;
  telemetry::counter& opened;
  telemetry::counter& sent;
  telemetry::counter& slow_clients;
};

ws_metrics& metrics() {
  auto& r = telemetry::global_metrics();
  static ws_metrics m{
      r.gauge_family("delta_stream_connections", "Open live-stream WebSocket connections").with({}),
      r.counter_family("delta_stream_connections_total", "Live-stream WebSocket connections accepted").with({}),
      r.counter_family("delta_stream_messages_sent_total", "Messages written to live-stream clients").with({}),
      r.counter_family("delta_stream_slow_client_disconnects_total",
                       "Live-stream clients closed with 1008 because their send queue was full")
          .with({})};
  return m;
}

class ws_session final : public ws_endpoint, public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(asio::any_io_executor executor, const websocket_limits& limits, std::chrono::seconds idle_timeout,
             std::shared_ptr<websocket_registry> registry)
      : executor_(std::move(executor)),
        limits_(limits),
        idle_timeout_(idle_timeout),
        registry_(std::move(registry)),
        queue_(limits.send_queue_messages, limits.send_queue_bytes),
        close_timer_(executor_) {}

  ~ws_session() override {
    if (auto h = take_handler()) h->on_closed();
  }

  void attach(std::shared_ptr<websocket_handler> handler) override {
    std::lock_guard guard{mutex_};
    handler_ = std::move(handler);
  }

  bool send_text(std::string text) override {
    send_queue::push_result result;
    {
      std::lock_guard guard{mutex_};
      result = queue_.push(std::move(text));
      if (result == send_queue::push_result::first && !accepted_) result = send_queue::push_result::queued;
    }
    switch (result) {
      case send_queue::push_result::first:
        asio::post(executor_, [self = shared_from_this()] { self->write_front(); });
        return true;
      case send_queue::push_result::queued: return true;
      case send_queue::push_result::overflow:
        metrics().slow_clients.inc();
        asio::post(executor_, [self = shared_from_this()] {
          self->begin_close(protocol::close_code::policy, "send queue full: client too slow", false);
        });
        return false;
      case send_queue::push_result::closed: return false;
    }
    return false;
  }

  void close(std::uint16_t code, std::string reason) override {
    {
      std::lock_guard guard{mutex_};
      queue_.seal();
    }
    asio::post(executor_, [self = shared_from_this(), code, reason = std::move(reason)] {
      self->begin_close(code, reason, true);
    });
  }

  void start(beast::tcp_stream stream, beast::http::request<beast::http::string_body> upgrade,
             std::string request_id) override {
    ws_.emplace(std::move(stream));
    beast::get_lowest_layer(*ws_).expires_never();
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = limits_.close_timeout;
    timeouts.idle_timeout = idle_timeout_;
    timeouts.keep_alive_pings = true;  // an idle client is pinged; a dead one is dropped
    ws_->set_option(timeouts);
    ws_->read_message_max(limits_.max_message_bytes);  // larger: Beast closes with 1009
    ws_->set_option(websocket::stream_base::decorator([request_id](websocket::response_type& res) {
      res.set(beast::http::field::server, "deltad");
      res.set("X-Request-ID", request_id);
    }));
    registry_id_ = registry_->add(weak_from_this());
    ws_->async_accept(upgrade, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
    // Accepted just as the server began to stop: close at once after the handshake.
    if (auto closing = registry_->closing()) begin_close(closing->first, closing->second, true);
  }

  void refuse() override {
    ended_ = true;
    if (auto h = take_handler()) h->on_closed();
  }

  void abandon() override {
    if (auto h = take_handler()) h->on_closed();
  }

 private:
  std::shared_ptr<websocket_handler> take_handler() {
    std::lock_guard guard{mutex_};
    return std::move(handler_);
  }

  std::shared_ptr<websocket_handler> handler() {
    std::lock_guard guard{mutex_};
    return handler_;
  }

  void on_accept(beast::error_code ec) {
    if (ec) return end();
    bool pending;
    {
      std::lock_guard guard{mutex_};
      accepted_ = true;
      pending = !queue_.empty();
    }
    counted_ = true;
    metrics().open.add(1);
    metrics().opened.inc();
    read_next();
    if (close_requested_ && !(flush_ && pending)) return do_close();
    if (pending) write_front();
  }

  void read_next() {
    ws_->async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) return end();
    if (!ws_->got_text()) {
      buffer_.consume(buffer_.size());
      begin_close(protocol::close_code::unsupported, "text messages only", false);
    } else if (auto h = handler()) {
      h->on_text(beast::buffers_to_string(buffer_.data()));
      buffer_.consume(buffer_.size());
    }
    read_next();
  }

  void write_front() {
    if (writing_ || close_sent_ || ended_ || !ws_) return;
    const std::string* message;
    {
      std::lock_guard guard{mutex_};
      if (queue_.empty()) return;
      message = &queue_.front();  // stays valid until pop(), whatever is pushed meanwhile
    }
    writing_ = true;
    ws_->text(true);
    ws_->async_write(asio::buffer(*message), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) return end();
    metrics().sent.inc();
    bool more;
    {
      std::lock_guard guard{mutex_};
      more = queue_.pop();
    }
    if (close_requested_ && (!flush_ || !more)) return do_close();
    if (more) write_front();
  }

  // flush: write what is queued first (an orderly close); otherwise drop it.
  void begin_close(std::uint16_t code, const std::string& reason, bool flush) {
    if (close_requested_ || ended_) return;
    close_requested_ = true;
    flush_ = flush;
    close_reason_ = websocket::close_reason{static_cast<websocket::close_code>(code), reason};
    bool pending;
    {
      std::lock_guard guard{mutex_};
      if (!flush) queue_.close();
      queue_.seal();
      pending = !queue_.empty();
    }
    // Bounds the whole close, a write stuck behind a client that reads
    // nothing included.
    close_timer_.expires_after(limits_.close_timeout);
    close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->ended_ && self->ws_) beast::get_lowest_layer(*self->ws_).close();
    });
    if (!accepted_now()) return;  // on_accept closes
    if (writing_) return;         // on_write closes once the message in flight is out
    if (flush && pending) return write_front();
    do_close();
  }

  bool accepted_now() {
    std::lock_guard guard{mutex_};
    return accepted_;
  }

  void do_close() {
    if (close_sent_ || ended_) return;
    close_sent_ = true;
    ws_->async_close(close_reason_, [self = shared_from_this()](beast::error_code) { self->end(); });
  }

  void end() {
    if (ended_) return;
    ended_ = true;
    {
      std::lock_guard guard{mutex_};
      queue_.close();
    }
    close_timer_.cancel();
    if (ws_) {
      beast::error_code ignored;
      beast::get_lowest_layer(*ws_).socket().close(ignored);
    }
    if (counted_) metrics().open.add(-1);
    if (registry_id_) registry_->remove(registry_id_);
    if (auto h = take_handler()) h->on_closed();
  }

  asio::any_io_executor executor_;
  websocket_limits limits_;
  std::chrono::seconds idle_timeout_;
  std::shared_ptr<websocket_registry> registry_;
  std::uint64_t registry_id_ = 0;

  std::mutex mutex_;  // guards queue_, handler_, accepted_ (touched from any thread)
  send_queue queue_;
  std::shared_ptr<websocket_handler> handler_;
  bool accepted_ = false;

  // On the strand only.
  std::optional<websocket::stream<beast::tcp_stream>> ws_;
  beast::flat_buffer buffer_;
  asio::steady_timer close_timer_;
  websocket::close_reason close_reason_;
  bool writing_ = false;
  bool flush_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
  bool ended_ = false;
  bool counted_ = false;
};

}  // namespace

std::shared_ptr<ws_endpoint> make_ws_endpoint(asio::any_io_executor executor, const websocket_limits& limits,
                                              std::chrono::seconds idle_timeout,
                                              std::shared_ptr<websocket_registry> registry) {
  return std::make_shared<ws_session>(std::move(executor), limits, idle_timeout, std::move(registry));
}

}  // namespace delta::http
