#pragma once
// A small synchronous HTTP/1.1 client (Beast): one connection per request,
// plain TCP or TLS (OpenSSL, the system's trust store, host name checked,
// SNI), and one deadline for the whole exchange. Anything that keeps an
// answer from arriving (resolve, connect, handshake, timeout, a broken
// answer) throws failure{exit_code::unreachable}.

#include "cmd/deltactl/endpoint.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace delta::ctl {

struct http_call {
  std::string method;  // GET, POST, DELETE
  std::string target;  // path and query, below the endpoint's prefix
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;    // sent as application/json when not empty
};

struct http_reply {
  unsigned status = 0;
  std::string body;
};

class http_client {
 public:
  http_client(endpoint where, std::chrono::seconds timeout);
  http_reply send(const http_call& call) const;
  const endpoint& where() const { return where_; }

 private:
  endpoint where_;
  std::chrono::seconds timeout_;
};

}  // namespace delta::ctl
