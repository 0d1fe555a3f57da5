#pragma once
// deltactl's view of a node's API: requests with the caller's credential,
// answers unwrapped from the envelope ({data, meta, links}), refusals turned
// into failure{refused} with the API's error code and message. A 404 or 405
// on a route the node's /openapi.json does not declare says so: that node
// predates the route.

#include "cmd/deltactl/credentials.hpp"
#include "cmd/deltactl/global_options.hpp"
#include "cmd/deltactl/http_client.hpp"
#include "cmd/deltactl/route.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <vector>

namespace delta::ctl {

struct api_answer {
  unsigned status = 0;
  boost::json::value data;  // null for 204
  boost::json::object meta;
  boost::json::object links;
};

struct api_call {
  route what;
  std::vector<std::string> path_args;
  std::vector<std::pair<std::string, std::string>> query;
  std::optional<boost::json::value> body;
};

class api_client {
 public:
  // failure{usage} for a URL deltactl cannot use.
  explicit api_client(const global_options& opts);

  const endpoint& where() const { return http_.where(); }
  // The credential of --token / --api-key, else the stored one for this
  // URL; failure{not_logged_in} when there is none.
  const credential& credential_or_fail();
  // Sends the credential_or_fail() with every later call.
  api_client& authenticated();

  api_answer call(const api_call& c) const;
  // The raw answer, whatever its status (the operations routes: no envelope).
  http_reply fetch(const std::string& target) const;

 private:
  [[noreturn]] void refuse(const route& r, const http_reply& reply) const;
  bool node_declares(const route& r) const;

  const global_options& opts_;
  http_client http_;
  std::optional<credential> credential_;
  bool send_credential_ = false;
};

// The canonical URL of --url (the credential store's key); failure{usage}.
endpoint parse_url_option(const std::string& url);

}  // namespace delta::ctl
