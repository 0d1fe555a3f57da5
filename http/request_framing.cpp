#include "http/request_framing.hpp"

#include <algorithm>
#include <cctype>

namespace delta::http {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim_ows(std::string_view s) {
  auto is_ows = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// uri-host [":" port] (RFC 3986): reg-name, IPv4 or an [IP-literal]. Only
// the characters are checked: anything else (spaces, '/', '@', controls,
// non-ASCII) cannot be part of a host.
bool plausible_host(std::string_view host) {
  static constexpr std::string_view extra = "-._~!$&'()*+,;=%:[]";
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

}  // namespace

void request_framing::add(std::string_view name, std::string_view value) {
  if (iequals(name, "host")) {
    ++hosts_;
    host_valid_ = host_valid_ && plausible_host(trim_ows(value));
  } else if (iequals(name, "content-length")) {
    content_length_ = true;
  } else if (iequals(name, "transfer-encoding")) {
    // Stricter than the list grammar (which allows "chunked," or a coding
    // split over two lines): the one form Beast surely frames as chunked.
    ++transfer_encodings_;
    chunked_ = iequals(trim_ows(value), "chunked");
  }
}

std::optional<std::string> request_framing::problem() const {
  if (transfer_encodings_ > 0) {
    if (version_ < 11) return "Transfer-Encoding is not allowed in an HTTP/1.0 request.";
    if (transfer_encodings_ != 1 || !chunked_)
      return "Unsupported Transfer-Encoding: only chunked is accepted.";
    if (content_length_) return "Transfer-Encoding and Content-Length must not be sent together.";
  }
  if (hosts_ > 1) return "More than one Host header.";
  if (hosts_ == 0 && version_ >= 11) return "An HTTP/1.1 request needs a Host header.";
  if (!host_valid_) return "The Host header is not a valid host.";
  return std::nullopt;
}

}  // namespace delta::http
