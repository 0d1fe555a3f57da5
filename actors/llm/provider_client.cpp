#include "actors/llm/provider_client.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>

namespace delta::llm {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;
using steady = std::chrono::steady_clock;

std::string_view to_string(transport_error e) {
  switch (e) {
    case transport_error::connect:
      return "connect";
    case transport_error::tls:
      return "tls";
    case transport_error::timeout:
      return "timeout";
    case transport_error::no_response:
      return "no_response";
    case transport_error::truncated:
      return "truncated";
    case transport_error::too_large:
      return "too_large";
    case transport_error::protocol:
      return "protocol";
    case transport_error::stopped:
      return "stopped";
  }
  return "unknown";
}

call_failure to_call_failure(const transport_failure& f) {
  call_failure out;
  out.status = f.status;
  switch (f.kind) {
    case transport_error::connect:
    case transport_error::tls:
    case transport_error::no_response:
      out.kind = failure_kind::connect_error;
      out.retryable = true;
      break;
    case transport_error::stopped:
      out.kind = failure_kind::connect_error;
      out.retryable = false;
      break;
    case transport_error::timeout:
      out.kind = failure_kind::timeout;
      out.retryable = true;
      break;
    case transport_error::truncated:
    case transport_error::too_large:
    case transport_error::protocol:
      out.kind = failure_kind::invalid_body;
      out.retryable = false;
      break;
  }
  out.message = std::string(to_string(f.kind));
  if (!f.message.empty()) out.message += ": " + f.message.substr(0, 200);
  return out;
}

namespace {

std::string endpoint_key(const parsed_base_url& e) {
  bool v6 = e.host.find(':') != std::string::npos;
  std::string key = e.tls ? "https://" : "http://";
  key += v6 ? "[" + e.host + "]" : e.host;
  key += ":" + std::to_string(e.port);
  return key;
}

std::string host_header(const parsed_base_url& e) {
  bool v6 = e.host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + e.host + "]" : e.host;
  bool default_port = (e.tls && e.port == 443) || (!e.tls && e.port == 80);
  if (!default_port) h += ":" + std::to_string(e.port);
  return h;
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// One TCP (optionally TLS) connection to one endpoint. Used by one call at a
// time; idle ones wait in their endpoint's pool. No operation is ever pending
// on an idle connection.
struct connection {
  std::string key;
  std::unique_ptr<tcp::socket> plain;
  std::unique_ptr<ssl::stream<tcp::socket>> tls;
  beast::flat_buffer buffer;  // bytes read past a response (none with well-behaved servers)
  steady::time_point idle_since{};

  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }
  void close() {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }
};

struct endpoint_pool {
  std::vector<std::unique_ptr<connection>> idle;  // most recently used last
  std::size_t open = 0;
};

}  // namespace

struct provider_client::impl : std::enable_shared_from_this<provider_client::impl> {
  struct exchange;

  explicit impl(client_options o)
      : options(std::move(o)),
        guard(asio::make_work_guard(ioc)),
        tls_ctx(ssl::context::tls_client) {
    tls_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (options.verify_certificates) {
      tls_ctx.set_verify_mode(ssl::verify_peer);
      if (options.ca_file.empty())
        tls_ctx.set_default_verify_paths();
      else
        tls_ctx.load_verify_file(options.ca_file);  // throws on an unreadable file
    } else {
      tls_ctx.set_verify_mode(ssl::verify_none);
    }
    if (options.threads < 1) options.threads = 1;
  }

  client_options options;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  ssl::context tls_ctx;
  std::vector<std::thread> threads;

  mutable std::mutex mutex;  // guards everything below
  bool accepting = true;
  bool started = false;
  std::map<std::string, endpoint_pool> pools;
  std::unordered_set<std::shared_ptr<exchange>> live;

  std::atomic<std::int64_t> stat_calls{0};
  std::atomic<std::int64_t> stat_failures{0};
  std::atomic<std::int64_t> stat_opened{0};
  std::atomic<std::int64_t> stat_reused{0};
  std::atomic<std::int64_t> stat_stale{0};

  // --- pool -------------------------------------------------------------

  // An idle connection to `key`, or null. Idle ones past idle_timeout are
  // closed on the way.
  std::unique_ptr<connection> take_idle(const std::string& key) {
    std::vector<std::unique_ptr<connection>> expired;
    std::unique_ptr<connection> found;
    {
      std::lock_guard lock(mutex);
      auto& pool = pools[key];
      auto now = steady::now();
      while (!pool.idle.empty()) {
        auto c = std::move(pool.idle.back());
        pool.idle.pop_back();
        if (now - c->idle_since > options.idle_timeout) {
          --pool.open;
          expired.push_back(std::move(c));
          continue;
        }
        found = std::move(c);
        break;
      }
    }
    for (auto& c : expired) c->close();
    return found;
  }

  void opened(const std::string& key) {
    ++stat_opened;
    std::lock_guard lock(mutex);
    ++pools[key].open;
  }

  // Back to the pool for reuse, or closed if the pool is full or stopping.
  void release(std::unique_ptr<connection> c) {
    c->idle_since = steady::now();
    {
      std::lock_guard lock(mutex);
      auto& pool = pools[c->key];
      if (accepting && pool.idle.size() < options.max_connections_per_endpoint) {
        pool.idle.push_back(std::move(c));
        return;
      }
      --pool.open;
    }
    c->close();
  }

  // Closes a connection that will not be reused and stops counting it; the
  // caller keeps the object until no operation is pending on it.
  void retire(connection& c) {
    c.close();
    std::lock_guard lock(mutex);
    --pools[c.key].open;
  }

  void finished(const std::shared_ptr<exchange>& ex) {
    std::lock_guard lock(mutex);
    live.erase(ex);
  }
};

// One call: owns its strand, timer, resolver and (while it runs) its
// connection. Every handler is bound to the strand, so with several I/O
// threads the timer and the socket operations never run concurrently.
struct provider_client::impl::exchange : std::enable_shared_from_this<exchange> {
  exchange(std::shared_ptr<impl> owner, const parsed_base_url& e, wire_request r,
           std::chrono::milliseconds t, callback d)
      : client(std::move(owner)),
        strand(asio::make_strand(client->ioc)),
        timer(strand),
        resolver(strand),
        endpoint(e),
        key(endpoint_key(e)),
        request(std::move(r)),
        timeout(t),
        done(std::move(d)),
        started_at(steady::now()) {}

  std::shared_ptr<impl> client;
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;
  tcp::resolver resolver;
  parsed_base_url endpoint;
  std::string key;
  wire_request request;
  std::chrono::milliseconds timeout;
  callback done;
  steady::time_point started_at;

  http::request<http::string_body> message;
  std::optional<http::response_parser<http::string_body>> parser;
  std::unique_ptr<connection> conn;
  bool reused = false;            // the current connection came from the pool
  bool retried = false;           // the one stale-connection retry was used
  bool complete = false;          // `done` has run
  bool fresh_connecting = false;  // conn is not connected yet (not counted as open)
  const char* phase = "queued";   // for the timeout's log message

  template <class F>
  auto on_strand(F&& f) {
    return asio::bind_executor(strand, std::forward<F>(f));
  }

  std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started_at);
  }

  // --- start --------------------------------------------------------------

  void start() {
    build_message();
    timer.expires_after(timeout);
    timer.async_wait(on_strand([self = shared_from_this()](error_code ec) {
      if (ec || self->complete) return;
      self->fail(transport_error::timeout, "no complete response within " +
                                               std::to_string(self->timeout.count()) + " ms (" +
                                               self->phase + ")");
    }));
    if (auto idle = client->take_idle(key)) {
      conn = std::move(idle);
      reused = true;
      ++client->stat_reused;
      return write();
    }
    open_fresh();
  }

  void build_message() {
    message.method(http::verb::post);
    message.target(request.target.empty() ? "/" : request.target);
    message.version(11);
    message.set(http::field::host, host_header(endpoint));
    message.set(http::field::user_agent, "delta-llm-gateway/1");
    bool has_content_type = false;
    for (auto& [name, value] : request.headers) {
      if (beast::iequals(name, "content-type")) has_content_type = true;
      // No header injection (the encoders never produce these; belt and braces).
      if (name.empty() || name.find_first_of("\r\n:") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos)
        continue;
      // The client owns framing and connection management.
      if (beast::iequals(name, "host") || beast::iequals(name, "content-length") ||
          beast::iequals(name, "transfer-encoding") || beast::iequals(name, "connection"))
        continue;
      message.insert(name, value);
    }
    if (!has_content_type) message.set(http::field::content_type, "application/json");
    message.keep_alive(true);
    message.body() = std::move(request.body);
    message.prepare_payload();
  }

  // --- connecting ---------------------------------------------------------

  void open_fresh() {
    reused = false;
    fresh_connecting = true;
    conn = std::make_unique<connection>();
    conn->key = key;
    if (endpoint.tls)
      conn->tls = std::make_unique<ssl::stream<tcp::socket>>(strand, client->tls_ctx);
    else
      conn->plain = std::make_unique<tcp::socket>(strand);
    phase = "resolving";
    resolver.async_resolve(
        endpoint.host, std::to_string(endpoint.port),
        on_strand([self = shared_from_this()](error_code ec, tcp::resolver::results_type results) {
          if (self->complete) return;
          if (ec)
            return self->fail(transport_error::connect,
                              "resolve " + self->endpoint.host + ": " + ec.message());
          self->connect(results);
        }));
  }

  void connect(const tcp::resolver::results_type& results) {
    phase = "connecting";
    asio::async_connect(conn->socket(), results,
                        on_strand([self = shared_from_this()](error_code ec, const tcp::endpoint&) {
                          if (self->complete) return;
                          if (ec)
                            return self->fail(transport_error::connect,
                                              "connect " + self->key + ": " + ec.message());
                          self->fresh_connecting = false;
                          self->client->opened(self->key);
                          error_code ignored;
                          self->conn->socket().set_option(tcp::no_delay(true), ignored);
                          if (self->conn->tls) return self->handshake();
                          self->write();
                        }));
  }

  void handshake() {
    auto& s = *conn->tls;
    // SNI only for names (RFC 6066 forbids IP literals); verification checks
    // the certificate's SAN against the name or the IP address.
    if (!is_ip_literal(endpoint.host) &&
        !SSL_set_tlsext_host_name(s.native_handle(), endpoint.host.c_str()))
      return fail(transport_error::tls, "cannot set SNI");
    if (client->options.verify_certificates)
      s.set_verify_callback(ssl::host_name_verification(endpoint.host));
    phase = "TLS handshake";
    s.async_handshake(
        ssl::stream_base::client, on_strand([self = shared_from_this()](error_code ec) {
          if (self->complete) return;
          if (ec)
            return self->fail(transport_error::tls,
                              "TLS handshake with " + self->key + ": " + describe(ec));
          self->write();
        }));
  }

  static std::string describe(const error_code& ec) {
    std::string m = ec.message();
    if (ec.category() == asio::error::get_ssl_category()) {
      // e.g. "certificate verify failed (SSL routines)"
      if (auto reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value())))
        if (m.find(reason) == std::string::npos) m += std::string(" (") + reason + ")";
    }
    return m;
  }

  // --- exchange -----------------------------------------------------------

  template <class F>
  void with_stream(F&& f) {
    if (conn->tls)
      f(*conn->tls);
    else
      f(*conn->plain);
  }

  void write() {
    phase = "sending the request";
    with_stream([this](auto& stream) {
      http::async_write(
          stream, message, on_strand([self = shared_from_this()](error_code ec, std::size_t) {
            if (self->complete) return;
            if (ec) {
              // Nothing of a response exists yet: a stale
              // kept-alive connection may be retried.
              if (self->maybe_retry_stale()) return;
              return self->fail(transport_error::no_response, "write: " + ec.message());
            }
            self->read();
          }));
    });
  }

  void read() {
    phase = "waiting for the response";
    parser.emplace();
    parser->body_limit(client->options.max_response_bytes);
    with_stream([this](auto& stream) {
      http::async_read(stream, conn->buffer, *parser,
                       on_strand([self = shared_from_this()](error_code ec, std::size_t) {
                         if (self->complete) return;
                         self->on_read(ec);
                       }));
    });
  }

  void on_read(error_code ec) {
    if (!ec) return succeed();
    bool got_some = parser && parser->got_some();
    int status =
        parser && parser->is_header_done() ? static_cast<int>(parser->get().result_int()) : 0;
    if (ec == http::error::body_limit)
      return fail(transport_error::too_large,
                  "body over " + std::to_string(client->options.max_response_bytes) + " bytes",
                  status);
    if (!got_some) {
      if (maybe_retry_stale()) return;
      return fail(transport_error::no_response,
                  "connection closed before a response: " + ec.message());
    }
    // The peer closed mid-message: plain TCP gives partial_message, TLS
    // without close_notify gives stream_truncated.
    if (ec == http::error::partial_message || ec == asio::ssl::error::stream_truncated ||
        ec == asio::error::eof || ec == asio::error::connection_reset)
      return fail(transport_error::truncated, "closed mid-response: " + ec.message(), status);
    if (ec.category() == make_error_code(http::error::partial_message).category())
      return fail(transport_error::protocol, ec.message(), status);
    return fail(transport_error::truncated, ec.message(), status);
  }

  // A kept-alive connection the server closed while it sat idle fails on
  // first use (write error, or EOF/reset before any response byte). The
  // request is then sent ONCE more on a fresh connection. Resending a POST is
  // safe here because no byte of a response came back: an LLM completion has
  // no side effect beyond its cost, and a server that closed an idle
  // connection never saw this request on it.
  bool maybe_retry_stale() {
    if (!reused || retried) return false;
    retried = true;
    ++client->stat_stale;
    client->retire(*conn);  // no operation pending: called from a completion handler
    conn.reset();
    parser.reset();
    open_fresh();
    return true;
  }

  void succeed() {
    complete = true;
    timer.cancel();
    auto& res = parser->get();
    http_exchange_result out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    if (auto it = res.find(http::field::retry_after); it != res.end())
      out.retry_after = std::string(it->value());
    out.elapsed = elapsed();
    out.reused_connection = reused;
    bool keep = res.keep_alive() && !parser->need_eof();
    parser.reset();
    if (keep)
      client->release(std::move(conn));
    else
      client->retire(*conn);
    finish(std::move(out));
  }

  void fail(transport_error kind, std::string why, int status = 0) {
    if (complete) return;
    complete = true;
    timer.cancel();
    resolver.cancel();
    if (conn) {
      // The connection object stays alive (owned by this exchange) until the
      // operation still pending on it completes with operation_aborted:
      // Beast's composed read/write and the TLS engine touch the stream and
      // buffer on their way out.
      if (fresh_connecting)
        conn->close();  // never counted as open
      else
        client->retire(*conn);
    }
    ++client->stat_failures;
    transport_failure f;
    f.kind = kind;
    f.status = status;
    f.message = std::move(why);
    f.elapsed = elapsed();
    finish(std::move(f));
  }

  void finish(http_outcome outcome) {
    auto cb = std::move(done);
    done = nullptr;
    client->finished(shared_from_this());
    if (cb) cb(std::move(outcome));
  }
};

provider_client::provider_client(client_options options)
    : impl_(std::make_shared<impl>(std::move(options))) {}

provider_client::~provider_client() { stop(); }

void provider_client::start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->started || !impl_->accepting) return;
  impl_->started = true;
  for (int i = 0; i < impl_->options.threads; ++i)
    impl_->threads.emplace_back([ioc = &impl_->ioc] { ioc->run(); });
}

void provider_client::stop() {
  std::vector<std::shared_ptr<impl::exchange>> pending;
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->accepting) return;
    impl_->accepting = false;
    pending.assign(impl_->live.begin(), impl_->live.end());
  }
  for (auto& ex : pending)
    asio::post(ex->strand, [ex] { ex->fail(transport_error::stopped, "client stopped"); });
  impl_->guard.reset();
  if (impl_->threads.empty()) {
    // Never started: run the queued work (the failures above) here.
    impl_->ioc.restart();
    impl_->ioc.run();
  }
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
  std::lock_guard lock(impl_->mutex);
  for (auto& [key, pool] : impl_->pools) {
    for (auto& c : pool.idle) c->close();
    pool.open -= pool.idle.size();
    pool.idle.clear();
  }
}

void provider_client::post(const parsed_base_url& endpoint, wire_request request,
                           std::chrono::milliseconds timeout, callback done) {
  ++impl_->stat_calls;
  std::shared_ptr<impl::exchange> ex;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->accepting) {
      ex = std::make_shared<impl::exchange>(impl_, endpoint, std::move(request), timeout,
                                            std::move(done));
      impl_->live.insert(ex);
    }
  }
  if (!ex) {
    ++impl_->stat_failures;
    transport_failure f;
    f.kind = transport_error::stopped;
    f.message = "client stopped";
    if (done) done(std::move(f));
    return;
  }
  asio::post(ex->strand, [ex] {
    if (!ex->complete) ex->start();
  });
}

client_stats provider_client::stats() const {
  client_stats s;
  s.calls = impl_->stat_calls.load();
  s.failures = impl_->stat_failures.load();
  s.connections_opened = impl_->stat_opened.load();
  s.reused = impl_->stat_reused.load();
  s.stale_retries = impl_->stat_stale.load();
  std::lock_guard lock(impl_->mutex);
  for (auto& [key, pool] : impl_->pools) s.endpoints.push_back({key, pool.open, pool.idle.size()});
  return s;
}

}  // namespace delta::llm
