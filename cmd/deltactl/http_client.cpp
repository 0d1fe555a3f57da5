#include "cmd/deltactl/http_client.hpp"

#include "cmd/deltactl/failure.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

namespace delta::ctl {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::size_t max_answer_bytes = 64 * 1024 * 1024;  // /openapi.json and /metrics are the largest

bhttp::request<bhttp::string_body> make_request(const endpoint& where, const http_call& call) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(call.method), where.prefix + call.target, 11};
  req.set(bhttp::field::host, where.host_header());
  req.set(bhttp::field::user_agent, "deltactl");
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::connection, "close");
  for (auto& [name, value] : call.headers) req.set(name, value);
  if (!call.body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = call.body;
  }
  req.prepare_payload();
  return req;
}

http_reply to_reply(bhttp::response<bhttp::string_body>& res) {
  return {res.result_int(), std::move(res.body())};
}

using clock = std::chrono::steady_clock;

// Beast's synchronous calls ignore a stream's timeout, so each step is an
// asynchronous operation run on the caller's thread until it completes or
// the exchange's deadline passes (then its operations die with `ioc`).
template <class Start>
void await(boost::asio::io_context& ioc, clock::time_point deadline, Start start) {
  beast::error_code result;
  bool done = false;
  start([&](beast::error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  ioc.restart();
  ioc.run_until(deadline);
  if (!done) throw beast::system_error(beast::error::timeout);
  if (result) throw beast::system_error(result);
}

tcp::resolver::results_type resolve(boost::asio::io_context& ioc, const endpoint& where, clock::time_point deadline) {
  tcp::resolver resolver{ioc};
  tcp::resolver::results_type addresses;
  await(ioc, deadline, [&](auto done) {
    resolver.async_resolve(where.host, where.port, [&addresses, done](beast::error_code ec, auto results) mutable {
      addresses = std::move(results);
      done(ec);
    });
  });
  return addresses;
}

template <class Stream>
http_reply exchange(boost::asio::io_context& ioc, clock::time_point deadline, Stream& stream,
                    bhttp::request<bhttp::string_body>& req) {
  await(ioc, deadline, [&](auto done) { bhttp::async_write(stream, req, done); });
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_answer_bytes);
  await(ioc, deadline, [&](auto done) { bhttp::async_read(stream, buffer, parser, done); });
  return to_reply(parser.get());
}

// `step` names what was under way when an exception leaves, for the message.
http_reply send_plain(const endpoint& where, clock::time_point deadline, bhttp::request<bhttp::string_body>& req,
                      const char*& step) {
  boost::asio::io_context ioc;
  step = "cannot resolve the host";
  auto addresses = resolve(ioc, where, deadline);
  beast::tcp_stream stream{ioc};
  step = "cannot connect";
  await(ioc, deadline, [&](auto done) { stream.async_connect(addresses, done); });
  step = "no valid answer";
  return exchange(ioc, deadline, stream, req);
}

http_reply send_tls(const endpoint& where, clock::time_point deadline, bhttp::request<bhttp::string_body>& req,
                    const char*& step) {
  boost::asio::io_context ioc;
  ssl::context ctx{ssl::context::tls_client};
  ctx.set_default_verify_paths();
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream{ioc, ctx};
  // SNI and host name verification (an IP address is checked as one).
  if (!SSL_set_tlsext_host_name(stream.native_handle(), where.host.c_str()))
    throw beast::system_error(beast::error_code(static_cast<int>(::ERR_get_error()),
                                                boost::asio::error::get_ssl_category()));
  stream.set_verify_callback(ssl::host_name_verification(where.host));
  step = "cannot resolve the host";
  auto addresses = resolve(ioc, where, deadline);
  step = "cannot connect";
  await(ioc, deadline, [&](auto done) { beast::get_lowest_layer(stream).async_connect(addresses, done); });
  step = "TLS handshake failed";
  await(ioc, deadline, [&](auto done) { stream.async_handshake(ssl::stream_base::client, done); });
  step = "no valid answer";
  // No TLS shutdown: the answer is whole (Connection: close) and waiting
  // for the server's close_notify could only add time.
  return exchange(ioc, deadline, stream, req);
}

}  // namespace

http_client::http_client(endpoint where, std::chrono::seconds timeout) : where_(std::move(where)), timeout_(timeout) {}

http_reply http_client::send(const http_call& call) const {
  auto req = make_request(where_, call);
  const char* step = "cannot start";
  try {
    auto deadline = clock::now() + timeout_;
    return where_.tls ? send_tls(where_, deadline, req, step) : send_plain(where_, deadline, req, step);
  } catch (const beast::system_error& e) {
    auto what = e.code() == beast::error::timeout
                    ? std::string(step) + ": no answer within " + std::to_string(timeout_.count()) + " s (--timeout)"
                    : std::string(step) + ": " + e.code().message();
    throw failure(exit_code::unreachable, where_.canonical() + ": " + what);
  }
}

}  // namespace delta::ctl
