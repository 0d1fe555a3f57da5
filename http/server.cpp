#include "http/server.hpp"

#include "http/api_error.hpp"
#include "http/request_framing.hpp"
#include "http/request_id.hpp"
#include "http/syn_filter.hpp"
#include "http/wire.hpp"
#include "http/ws_session.hpp"
#include "telemetry/json_log.hpp"
#include "telemetry/metrics_registry.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <cstdio>
#include <mutex>
#include <thread>
#include <map>
#include <unordered_map>

namespace delta::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

bool is_json_media_type(const std::string& content_type) {
  auto semi = content_type.find(';');
  auto media = content_type.substr(0, semi);
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media == "application/json";
}

std::string format_duration_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fms", ms);
  return buf;
}

}  // namespace

struct route_metrics {
  telemetry::histogram* latency = nullptr;
};

namespace {
class session;
}  // namespace

struct server::impl : std::enable_shared_from_this<server::impl> {
  impl(server_options o, const router& r, dispatch_fn d)
      : options(std::move(o)), routes(r), dispatch(std::move(d)), cors(options.cors_allowed_origins),
        acceptor(asio::make_strand(ioc)) {
    auto& registry = telemetry::global_metrics();
    requests = &registry.counter_family("delta_http_requests_total",
                                        "HTTP requests by method, route and status");
    auto& latency = registry.histogram_family("delta_http_request_duration_seconds",
                                              "HTTP request latency by route");
    for (auto& r : routes.routes())
      per_route[r.get()].latency = &latency.with({{"route", r->pattern}});
    unmatched_latency = &latency.with({{"route", "unmatched"}});
  }

  server_options options;
  const router& routes;
  dispatch_fn dispatch;
  cors_policy cors;
  asio::io_context ioc;
  tcp::acceptor acceptor;  // on its own strand
  // Keeps the threads running while nothing is pending on the io_context:
  // after the acceptor closed, a connection waiting for its answer from an
  // actor has no operation in progress, and its answer is still to be
  // posted here.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::atomic<bool> draining{false};
  std::atomic<std::int64_t> requests_in_flight{0};
  // Guards `sessions`; idle_cv tells wait_idle() about the last request or
  // connection ending.
  mutable std::mutex idle_mutex;
  std::condition_variable idle_cv;
  std::unordered_map<std::uint64_t, std::weak_ptr<session>> sessions;  // open HTTP connections
  std::uint64_t next_session = 1;
  telemetry::family<telemetry::counter>* requests = nullptr;
  std::unordered_map<const route*, route_metrics> per_route;  // immutable after construction
  telemetry::histogram* unmatched_latency = nullptr;
  std::shared_ptr<websocket_registry> websockets = std::make_shared<websocket_registry>();

  void do_accept();
  void start_session(tcp::socket socket);
  void take_queued_connections();
  // Runs `step` on every open connection's strand.
  void for_each_session(void (session::*step)());
  void request_done() {
    if (--requests_in_flight == 0) {
      std::lock_guard guard{idle_mutex};
      idle_cv.notify_all();
    }
  }
  std::uint64_t add_session(std::weak_ptr<session> s) {
    std::lock_guard guard{idle_mutex};
    auto id = next_session++;
    sessions.emplace(id, std::move(s));
    return id;
  }
  void remove_session(std::uint64_t id) {
    std::lock_guard guard{idle_mutex};
    sessions.erase(id);
    if (sessions.empty()) idle_cv.notify_all();
  }
};

namespace {

// What the session remembers about the request being answered.
struct exchange_info {
  std::string request_id;
  std::string method;
  std::string path;
  std::string origin;
  bool has_origin = false;
  const route* matched = nullptr;
  std::chrono::steady_clock::time_point started;
  bool keep_alive = true;
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, std::shared_ptr<server::impl> srv)
      : stream_(std::move(socket)), strand_(stream_.get_executor()), srv_(std::move(srv)) {}
  ~session() { srv_->remove_session(id_); }

  void run() {
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay{true}, ignored);
    remote_ = stream_.socket().remote_endpoint(ignored).address().to_string();
    id_ = srv_->add_session(weak_from_this());
    read_next();
  }

  // Called on the strand with the final response of the current request.
  void finish(response res);

  // On the strand, once the server stops accepting: a connection waiting
  // for its next request gets `linger` for it, then is closed.
  void drain() {
    if (awaiting_request_) linger_while_idle();
  }

  // On the strand, when the server stops for good: a request still waiting
  // for its answer gets 503 now (its real answer, if one comes, is
  // dropped), and a connection waiting for a request is closed.
  void abort() {
    if (answering_)
      return finish(error_response(
          make_api_error(error_code::unavailable, "The server stopped before this request was answered."),
          info_.request_id));
    if (awaiting_request_) close();
  }
  // The connection's strand (kept: the stream moves away on an upgrade).
  const asio::any_io_executor& executor() const { return strand_; }

 private:
  void read_next() {
    parser_.emplace();
    parser_->header_limit(srv_->options.header_limit);
    parser_->body_limit(srv_->options.body_limit);
    // The first request must arrive within the header timeout; later ones on
    // a kept-alive connection within the idle timeout. Either way a client
    // trickling bytes cannot hold the connection forever.
    stream_.expires_after(first_ ? srv_->options.header_timeout : srv_->options.idle_timeout);
    first_ = false;
    awaiting_request_ = true;
    // The header block first: its framing is checked before any body byte
    // is read as a body.
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&session::on_header, shared_from_this()));
    if (srv_->draining.load()) linger_while_idle();
  }

  void on_header(beast::error_code ec, std::size_t) {
    awaiting_request_ = false;
    linger_.reset();  // a request came: no closing it as idle (and a later idle wait starts afresh)
    if (ec) return on_read_error(ec);
    if (auto problem = framing_problem()) return refuse(error_code::bad_request, std::move(*problem));
    if (parser_->is_done()) return on_read({}, 0);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  std::optional<std::string> framing_problem() const {
    auto& head = parser_->get();
    request_framing framing{head.version()};
    for (auto& field : head) framing.add(field.name_string(), field.value());
    return framing.problem();
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    stream_.expires_never();
    handle(parser_->release());
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) {
      return close();
    }
    refuse(ec == bhttp::error::body_limit     ? error_code::payload_too_large
           : ec == bhttp::error::header_limit ? error_code::header_too_large
                                              : error_code::bad_request);
  }

  // A request we will not read to its end: answer, then close (the stream
  // cannot be resynchronised).
  void refuse(error_code code, std::string message = {}) {
    begin_exchange_without_request();
    if (auto& head = parser_->get(); !head.target().empty()) {
      // The head was read (or, for too large a body, enough of it: Beast
      // stores each field as it parses, and checks Content-Length against
      // the limit before it marks the head done), so the answer can name
      // the request.
      info_.method = std::string{head.method_string()};
      info_.path = std::string{head.target().substr(0, head.target().find('?'))};
      if (auto id = head.find("x-request-id"); id != head.end()) {
        std::string client_id{id->value()};
        if (acceptable_request_id(client_id)) info_.request_id = client_id;
      }
      if (auto origin = head.find(bhttp::field::origin); origin != head.end()) {
        info_.origin = std::string{origin->value()};
        info_.has_origin = true;
      }
    }
    info_.keep_alive = false;
    ++srv_->requests_in_flight;
    answering_ = true;
    finish(error_response(make_api_error(code, std::move(message)), info_.request_id));
  }

  // While the server stops: an idle connection is closed unless a request
  // starts to arrive within `linger`.
  void linger_while_idle() {
    if (linger_) return;
    linger_.emplace(strand_);
    linger_->expires_after(srv_->options.linger);
    linger_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && self->awaiting_request_ && self->buffer_.size() == 0 && !self->parser_->got_some())
        self->close();
    });
  }

  void begin_exchange_without_request() {
    info_ = {};
    info_.request_id = new_request_id();
    info_.started = std::chrono::steady_clock::now();
    info_.method = "?";
    info_.path = "?";
  }

  void handle(bhttp::request<bhttp::string_body> raw);

  // The counter of this exchange's (route, status). Matched routes are cached
  // per thread, which keeps the registry's lock off the hot path.
  telemetry::counter& request_counter(int status) {
    auto labels = [&] {
      return telemetry::label_set{{"method", info_.method == "?" ? "unknown" : info_.method},
                                  {"route", info_.matched ? info_.matched->pattern : "unmatched"},
                                  {"status", std::to_string(status)}};
    };
    if (!info_.matched) return srv_->requests->with(labels());
    thread_local std::map<std::pair<const route*, int>, telemetry::counter*> cache;
    auto& slot = cache[{info_.matched, status}];
    if (!slot) slot = &srv_->requests->with(labels());
    return *slot;
  }
  void write(std::shared_ptr<std::string> wire, bool keep_alive);

  // The client closed, failed or timed out: nothing more to say or hear.
  void close() {
    if (linger_) linger_->cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  // After our last answer: send FIN, then read and drop whatever the client
  // still sends until it closes too (at most `linger`). Closing at once
  // with unread bytes in the socket would send a reset, and a reset can
  // destroy the answer before the client has read it.
  void close_after_answer() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    stream_.expires_after(srv_->options.linger);
    discard_until_closed();
  }

  void discard_until_closed() {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->discard_until_closed();
    });
  }

  beast::tcp_stream stream_;
  asio::any_io_executor strand_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<server::impl> srv_;
  std::string remote_;
  std::uint64_t id_ = 0;  // in srv_->sessions
  bool first_ = true;
  bool awaiting_request_ = false;  // reading the head of the next request
  bool answering_ = false;         // a request is in flight: counted, not answered yet
  std::optional<asio::steady_timer> linger_;  // while the server stops, for an idle connection
  exchange_info info_;
  // A WebSocket upgrade waiting for its route's answer (101 accepts it).
  std::optional<bhttp::request<bhttp::string_body>> upgrade_request_;
  std::shared_ptr<ws_endpoint> upgrade_;

  // Whether the answer `res` accepts the pending upgrade; otherwise the
  // upgrade is dropped (and a 101 while stopping becomes 503).
  bool settle_upgrade(response& res) {
    if (res.status == 101 && !srv_->draining.load()) return true;
    upgrade_->refuse();
    upgrade_.reset();
    upgrade_request_.reset();
    if (res.status == 101) res = error_response(make_api_error(error_code::unavailable), info_.request_id);
    return false;
  }
  void start_websocket() {
    auto ws = std::move(upgrade_);
    ws->start(std::move(stream_), std::move(*upgrade_request_), info_.request_id);
    upgrade_request_.reset();
  }
};

class session_responder : public responder {
 public:
  explicit session_responder(std::shared_ptr<session> s, asio::any_io_executor ex)
      : session_(std::move(s)), executor_(std::move(ex)) {}
  void send(response res) override {
    asio::post(executor_, [s = std::move(session_), res = std::move(res)]() mutable {
      s->finish(std::move(res));
    });
  }

 private:
  std::shared_ptr<session> session_;
  asio::any_io_executor executor_;
};

request to_request(bhttp::request<bhttp::string_body>&& raw, const std::string& remote) {
  request req;
  req.method = std::string{raw.method_string()};
  auto target = raw.target();
  auto q = target.find('?');
  req.path = std::string{target.substr(0, q)};
  if (q != std::string_view::npos) req.query = std::string{target.substr(q + 1)};
  req.headers.reserve(8);
  for (auto& field : raw) {
    std::string name{field.name_string()};
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.emplace_back(std::move(name), std::string{field.value()});
  }
  req.body = std::move(raw.body());
  req.remote_address = remote;
  req.received_at = std::chrono::steady_clock::now();
  return req;
}

// The transport's own checks on a route with a JSON body: media type, then syntax.
std::optional<api_error> check_json_body(request& req) {
  auto* type = req.header("content-type");
  if (!type || !is_json_media_type(*type)) return make_api_error(error_code::unsupported_media_type);
  boost::system::error_code ec;
  auto value = boost::json::parse(req.body, ec);
  if (ec) return make_api_error(error_code::bad_request, "The request body is not valid JSON.");
  req.json = std::make_shared<const boost::json::value>(std::move(value));
  return std::nullopt;
}

void session::handle(bhttp::request<bhttp::string_body> raw) {
  ++srv_->requests_in_flight;
  answering_ = true;
  bool keep_alive = raw.keep_alive();
  upgrade_request_.reset();
  if (boost::beast::websocket::is_upgrade(raw)) upgrade_request_ = raw;  // a header block: cheap
  auto req = to_request(std::move(raw), remote_);
  info_ = {};
  info_.started = req.received_at;
  info_.keep_alive = keep_alive;
  info_.method = req.method;
  info_.path = req.path;
  auto* client_id = req.header("x-request-id");
  req.request_id = client_id && acceptable_request_id(*client_id) ? *client_id : new_request_id();
  info_.request_id = req.request_id;
  if (auto* origin = req.header("origin")) {
    info_.origin = *origin;
    info_.has_origin = true;
  }

  auto match = srv_->routes.match(req.method, req.path);
  if (srv_->draining.load()) {
    // Read after the server began to stop: not started, so say so (and the
    // connection closes), rather than leave the client guessing.
    info_.matched = match.matched;
    return finish(error_response(make_api_error(error_code::unavailable, "The server is shutting down; retry on another connection."),
                                 req.request_id));
  }
  if (cors_policy::is_preflight(req)) {
    if (!match.path_known) return finish(error_response(make_api_error(error_code::not_found), req.request_id));
    if (!srv_->cors.allows(*req.header("origin")))
      return finish(error_response(make_api_error(error_code::forbidden, "Origin not allowed."), req.request_id));
    return finish(srv_->cors.preflight(req, match.allowed));
  }
  if (!match.path_known)
    return finish(error_response(make_api_error(error_code::not_found), req.request_id));
  if (!match.matched) {
    std::string allow;
    for (auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
    if (req.method == "OPTIONS") {
      response res{204, {}, {}, {{"Allow", allow + ", OPTIONS"}}};
      return finish(std::move(res));
    }
    auto res = error_response(make_api_error(error_code::method_not_allowed), req.request_id);
    res.headers.emplace_back("Allow", allow);
    return finish(std::move(res));
  }
  auto& rt = *match.matched;
  info_.matched = &rt;
  if (rt.body == body_kind::json)
    if (auto problem = check_json_body(req)) return finish(error_response(*problem, req.request_id));
  if (rt.answer_inline) return finish(rt.answer_inline(req, match.params));
  if (rt.websocket && upgrade_request_) {
    upgrade_ = make_ws_endpoint(stream_.get_executor(), srv_->options.websocket, srv_->options.idle_timeout,
                                srv_->websockets);
    req.websocket = upgrade_;
  }
  auto target = std::make_shared<session_responder>(shared_from_this(), stream_.get_executor());
  auto reply = std::make_shared<pending_reply>(std::move(target), req.request_id);
  srv_->dispatch(rt, req, match.params, std::move(reply));
}

void session::finish(response res) {
  if (!answering_) return;  // answered already (503 when the server stopped)
  answering_ = false;
  bool upgrading = upgrade_ && settle_upgrade(res);
  auto elapsed = std::chrono::steady_clock::now() - info_.started;
  double ms = std::chrono::duration<double, std::milli>(elapsed).count();
  srv_->cors.decorate(info_.has_origin ? &info_.origin : nullptr, res);
  bool keep = info_.keep_alive && !srv_->draining.load(std::memory_order_relaxed);
  header_list fixed{{"Server", "deltad"},
                    {"X-Request-ID", info_.request_id},
                    {"X-Response-Time", format_duration_ms(ms)}};
  auto wire = std::make_shared<std::string>(serialize_response(res, fixed, keep));

  request_counter(res.status).inc();
  auto* latency = info_.matched ? srv_->per_route[info_.matched].latency : srv_->unmatched_latency;
  latency->observe(ms / 1000.0);
  if (srv_->options.access_log && telemetry::log_enabled(telemetry::log_level::info))
    telemetry::log_info("request", {{"request_id", info_.request_id},
                                    {"method", info_.method},
                                    {"path", info_.path},
                                    {"route", info_.matched ? info_.matched->pattern : "unmatched"},
                                    {"status", res.status},
                                    {"duration_ms", ms},
                                    {"remote", remote_}});
  srv_->request_done();
  if (upgrading) return start_websocket();
  write(std::move(wire), keep);
}

void session::write(std::shared_ptr<std::string> wire, bool keep_alive) {
  stream_.expires_after(srv_->options.idle_timeout);
  asio::async_write(stream_, asio::buffer(*wire),
                    [self = shared_from_this(), wire, keep_alive](beast::error_code ec, std::size_t) {
                      if (ec) return self->close();
                      if (!keep_alive) return self->close_after_answer();
                      self->read_next();
                    });
}

}  // namespace

void server::impl::do_accept() {
  acceptor.async_accept(asio::make_strand(ioc), [self = shared_from_this()](
                                                     beast::error_code ec, tcp::socket socket) {
    if (!self->acceptor.is_open()) return;
    if (!ec) self->start_session(std::move(socket));
    self->do_accept();
  });
}

void server::impl::start_session(tcp::socket socket) {
  std::make_shared<session>(std::move(socket), shared_from_this())->run();
}

// On the acceptor's strand: new handshakes are dropped first, so that
// nothing joins the kernel's queue while it is emptied; every connection
// already queued is taken (its request will get 503); then the listener
// closes, and a client still trying is refused.
void server::impl::take_queued_connections() {
  beast::error_code ec;
  if (!drop_new_handshakes(acceptor.native_handle()))
    telemetry::log_warn("cannot filter new connections; closing the listener may reset some", {});
  acceptor.non_blocking(true, ec);
  while (!ec) {
    tcp::socket socket{asio::make_strand(ioc)};
    acceptor.accept(socket, ec);
    if (!ec) start_session(std::move(socket));
  }
  acceptor.close(ec);
}

void server::impl::for_each_session(void (session::*step)()) {
  std::vector<std::shared_ptr<session>> open;
  {
    std::lock_guard guard{idle_mutex};
    for (auto& [id, weak] : sessions)
      if (auto s = weak.lock()) open.push_back(std::move(s));
  }
  for (auto& s : open) {
    auto executor = s->executor();
    asio::post(executor, [s = std::move(s), step] { ((*s).*step)(); });
  }
}

server::server(server_options options, const router& routes, dispatch_fn dispatch)
    : impl_(std::make_shared<impl>(std::move(options), routes, std::move(dispatch))) {}

server::~server() { stop(); }

unsigned short server::start() {
  auto& s = *impl_;
  tcp::endpoint endpoint{asio::ip::make_address(s.options.host), s.options.port};
  s.acceptor.open(endpoint.protocol());
  s.acceptor.set_option(asio::socket_base::reuse_address(true));
  s.acceptor.bind(endpoint);
  s.acceptor.listen(asio::socket_base::max_listen_connections);
  asio::post(s.acceptor.get_executor(), [self = impl_] { self->do_accept(); });
  s.work.emplace(s.ioc.get_executor());
  for (int i = 0; i < s.options.threads; ++i) s.threads.emplace_back([this] { impl_->ioc.run(); });
  return s.acceptor.local_endpoint().port();
}

void server::stop_accepting() {
  if (impl_->draining.exchange(true)) return;
  // Synchronous, so that nothing is accepted once this returns.
  std::promise<void> closed;
  asio::post(impl_->acceptor.get_executor(), [s = impl_, &closed] {
    s->take_queued_connections();
    closed.set_value();
  });
  closed.get_future().wait();
  impl_->for_each_session(&session::drain);
  impl_->websockets->close_all(protocol::close_code::going_away, "server shutting down");
}

bool server::wait_idle(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  {
    std::unique_lock lock{impl_->idle_mutex};
    if (!impl_->idle_cv.wait_until(lock, deadline, [this] {
          return impl_->requests_in_flight.load() <= 0 && impl_->sessions.empty();
        }))
      return false;
  }
  return impl_->websockets->wait_empty(deadline);
}

void server::stop() {
  if (impl_->threads.empty()) return;
  if (impl_->draining.load()) {
    // What is still open after the drain: answer the requests still waiting
    // (503 rather than a reset), and give those answers `linger` to leave.
    impl_->for_each_session(&session::abort);
    std::unique_lock lock{impl_->idle_mutex};
    impl_->idle_cv.wait_for(lock, impl_->options.linger, [this] { return impl_->sessions.empty(); });
  }
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->websockets->abandon_all();
}

std::int64_t server::in_flight() const { return impl_->requests_in_flight.load(); }

std::int64_t server::open_connections() const {
  std::lock_guard guard{impl_->idle_mutex};
  return static_cast<std::int64_t>(impl_->sessions.size());
}

std::int64_t server::open_websockets() const { return static_cast<std::int64_t>(impl_->websockets->size()); }

}  // namespace delta::http
