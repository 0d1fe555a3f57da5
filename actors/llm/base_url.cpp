#include "actors/llm/base_url.hpp"

#include <algorithm>
#include <cctype>

namespace delta::llm {

namespace {

std::optional<parsed_base_url> fail(std::string* why, const char* text) {
  if (why) *why = text;
  return std::nullopt;
}

bool host_char_ok(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::optional<parsed_base_url> parse_base_url(std::string_view url, std::string* why) {
  parsed_base_url out;
  if (url.starts_with("https://")) {
    out.tls = true;
    out.port = 443;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    out.port = 80;
    url.remove_prefix(7);
  } else {
    return fail(why, "scheme must be http or https");
  }
  auto path_at = url.find('/');
  auto authority = url.substr(0, path_at);
  auto path = path_at == std::string_view::npos ? std::string_view{} : url.substr(path_at);
  if (authority.find('@') != std::string_view::npos)
    return fail(why, "credentials in the URL are not allowed");
  if (path.find_first_of("?#") != std::string_view::npos)
    return fail(why, "query or fragment is not allowed");
  if (path.find_first_of(" \t\r\n") != std::string_view::npos)
    return fail(why, "whitespace in the path");

  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {  // IPv6 literal
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(why, "unclosed IPv6 literal");
    host = authority.substr(1, close - 1);
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return fail(why, "garbage after IPv6 literal");
      port = rest.substr(1);
      if (port.empty()) return fail(why, "empty port");
    }
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
      return fail(why, "bad IPv6 literal");
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.empty()) return fail(why, "missing host");
    if (!std::all_of(host.begin(), host.end(), host_char_ok)) return fail(why, "bad host");
  }
  if (authority.find(':') != std::string_view::npos && !authority.starts_with('[') && port.empty())
    return fail(why, "empty port");
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
      return fail(why, "bad port");
    unsigned long p = std::stoul(std::string{port});
    if (p == 0 || p > 65535) return fail(why, "port out of range");
    out.port = static_cast<std::uint16_t>(p);
  }
  out.host.assign(host);
  std::transform(out.host.begin(), out.host.end(), out.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (path.ends_with('/')) path.remove_suffix(1);
  out.path_prefix.assign(path);
  return out;
}

}  // namespace delta::llm
