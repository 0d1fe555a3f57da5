#pragma once
// The LLM gateway's HTTP/1.1 client (issue 4, "Providers"): Boost.Beast over
// plain TCP for http base URLs and TLS (OpenSSL, peer certificate and host
// name verified, SNI) for https ones, keep-alive connections reused per
// endpoint, and a per-call deadline covering resolve + connect + TLS
// handshake + write + read.
//
// Same pattern as storage::pg_pool: the client owns an asio io_context run by
// its own thread(s); post() is thread-safe and only posts to that context;
// `done` runs exactly once on a client thread and typically anon_send()s the
// outcome to an actor. No socket call ever runs on a CAF scheduler thread.
//
// An HTTP status (any, 4xx/5xx included) is a *result*: the core's decoders
// (decode_openai / decode_anthropic / http_failure) classify it. Only what
// prevents a complete HTTP response is a transport_failure; to_call_failure()
// maps it onto the core's call_failure kinds.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/llm/base_url.hpp"
#include "actors/llm/completion.hpp"
#include "actors/llm/wire_request.hpp"

namespace delta::llm {

struct client_options {
  int threads = 1;                               // I/O threads running the io_context
  std::size_t max_connections_per_endpoint = 8;  // idle keep-alive connections kept per endpoint
  std::size_t max_response_bytes = 8 << 20;      // response body limit
  bool verify_certificates = true;               // peer certificate + host name (https)
  std::string ca_file;                           // PEM trust anchors; empty: system default paths
  // An idle connection older than this is closed instead of reused (servers
  // commonly drop idle keep-alive connections after 5-60 s).
  std::chrono::milliseconds idle_timeout{30000};
};

struct http_exchange_result {
  int status = 0;
  std::string body;
  std::optional<std::string> retry_after;  // the Retry-After header's value, as sent
  std::chrono::milliseconds elapsed{0};    // from post() to completion
  bool reused_connection = false;          // answered on a kept-alive connection
};

// Why no complete HTTP response arrived. Mapping onto the core (to_call_failure):
//   connect, tls, no_response, stopped -> failure_kind::connect_error
//   timeout                            -> failure_kind::timeout
//   truncated, too_large, protocol     -> failure_kind::invalid_body
enum class transport_error {
  connect,      // resolve or TCP connect failed (refused, unreachable, DNS)
  tls,          // TLS handshake failed (certificate not trusted, wrong host name, protocol)
  timeout,      // the per-call deadline passed; the connection was closed
  no_response,  // the server closed the connection before any byte of a response
  truncated,    // the server closed before the body its Content-Length promised was complete
  too_large,    // the body exceeds client_options::max_response_bytes
  protocol,     // not a valid HTTP/1.1 response
  stopped,      // the client stopped (or was not accepting) before the call completed
};

std::string_view to_string(transport_error e);

struct transport_failure {
  transport_error kind = transport_error::connect;
  int status = 0;       // the response status when its header was read (truncated / too_large)
  std::string message;  // for logs: error text, never request headers or body
  std::chrono::milliseconds elapsed{0};
};

using http_outcome = std::variant<http_exchange_result, transport_failure>;

// connect_error and timeout are retryable (retry_policy::is_retryable), except
// `stopped` (shutting down: retrying cannot help); truncated/too_large/protocol
// are invalid_body (not retryable), carrying the status if one was read.
call_failure to_call_failure(const transport_failure& f);

struct endpoint_stats {
  std::string endpoint;  // "http://127.0.0.1:8080" (scheme://host:port)
  std::size_t open = 0;  // connections alive (busy + idle)
  std::size_t idle = 0;  // of which kept idle for reuse
};

struct client_stats {
  std::int64_t calls = 0;               // post() calls
  std::int64_t failures = 0;            // completed with a transport_failure
  std::int64_t connections_opened = 0;  // TCP connections established
  std::int64_t reused = 0;              // calls sent on a kept-alive connection
  std::int64_t stale_retries = 0;       // calls retried on a fresh connection (stale idle one)
  std::vector<endpoint_stats> endpoints;
};

class provider_client {
 public:
  using callback = std::function<void(http_outcome)>;

  explicit provider_client(client_options options = {});
  ~provider_client();  // stop()
  provider_client(const provider_client&) = delete;
  provider_client& operator=(const provider_client&) = delete;

  // Starts the I/O thread(s). Throws std::runtime_error if the TLS context
  // cannot be set up (e.g. an unreadable ca_file) -- detected in the ctor.
  void start();
  // Completes every pending call with transport_error::stopped (exactly
  // once), closes all connections and joins the threads. Idempotent; the
  // client cannot be started again. Never call it from a `done` callback (it
  // joins the thread running it). A name lookup in progress is not
  // interruptible (getaddrinfo): stop() waits for it to return.
  void stop();

  // Thread-safe. POSTs `request` to `endpoint` and completes `done` exactly
  // once, on a client thread, within `timeout` (resolve, connect, TLS, write
  // and read all count; a hanging server is cut at the timeout and its
  // connection closed). Adds Host, Content-Length, User-Agent and, unless the
  // request has one, Content-Type: application/json. After stop() `done`
  // runs at once on the caller's thread with transport_error::stopped.
  void post(const parsed_base_url& endpoint, wire_request request,
            std::chrono::milliseconds timeout, callback done);

  client_stats stats() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace delta::llm
