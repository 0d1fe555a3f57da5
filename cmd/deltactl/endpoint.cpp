#include "cmd/deltactl/endpoint.hpp"

#include <algorithm>
#include <cctype>

namespace delta::ctl {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool valid_port(std::string_view p) {
  if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), [](unsigned char c) { return std::isdigit(c); }))
    return false;
  auto n = std::stoi(std::string(p));
  return n >= 1 && n <= 65535;
}

bool valid_host(std::string_view h, bool bracketed) {
  if (h.empty()) return false;
  auto allowed = [bracketed](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_' || (bracketed && (c == ':' || c == '%'));
  };
  return std::all_of(h.begin(), h.end(), allowed);
}

// A path prefix goes into every request line as it is: URL-safe characters only.
bool valid_prefix(std::string_view p) {
  return std::all_of(p.begin(), p.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
  });
}

bool is_default_port(const endpoint& e) { return e.port == (e.tls ? "443" : "80"); }

}  // namespace

std::string endpoint::host_header() const {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return is_default_port(*this) ? h : h + ":" + port;
}

std::string endpoint::canonical() const { return (tls ? "https://" : "http://") + host_header() + prefix; }

std::optional<endpoint> parse_endpoint(std::string_view url) {
  endpoint e;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  auto scheme = lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  e.tls = scheme == "https";
  auto rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#@") != std::string_view::npos) return std::nullopt;
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) e.prefix = std::string(rest.substr(slash));
  if (!valid_prefix(e.prefix)) return std::nullopt;
  while (!e.prefix.empty() && e.prefix.back() == '/') e.prefix.pop_back();

  std::string_view port;
  bool bracketed = !authority.empty() && authority.front() == '[';
  if (bracketed) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    e.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else {
    auto colon = authority.find(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
  }
  e.host = lower(e.host);
  if (!valid_host(e.host, bracketed)) return std::nullopt;
  if (!port.empty() && !valid_port(port)) return std::nullopt;
  e.port = port.empty() ? (e.tls ? "443" : "80") : std::to_string(std::stoi(std::string(port)));
  return e;
}

}  // namespace delta::ctl
