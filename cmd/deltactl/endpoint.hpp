#pragma once
// The node deltactl talks to, parsed from --url / DELTACTL_URL:
// http or https, a host name or address ([v6] in brackets), an optional
// port and an optional path prefix (a node behind a reverse proxy).

#include <optional>
#include <string>
#include <string_view>

namespace delta::ctl {

struct endpoint {
  bool tls = false;
  std::string host;    // without brackets
  std::string port;    // "80" / "443" when the URL names none
  std::string prefix;  // "" or "/path" without a trailing slash

  // The canonical spelling, the key of the credential store:
  // lower-case scheme and host, no default port, no trailing slash.
  std::string canonical() const;
  // The Host header's value.
  std::string host_header() const;
};

// nullopt for anything that is not http(s)://host[:port][/prefix] (a query,
// a fragment, user information, a port outside 1..65535, an empty host, a
// prefix with characters a request line cannot carry as they are).
std::optional<endpoint> parse_endpoint(std::string_view url);

}  // namespace delta::ctl
