#include "http/wire.hpp"

namespace delta::http {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
  }
  return "Unknown";
}

std::string serialize_response(const response& res, const header_list& fixed, bool keep_alive) {
  std::string out;
  std::size_t size = 64 + res.body.size() + res.content_type.size();
  for (auto& [k, v] : fixed) size += k.size() + v.size() + 4;
  for (auto& [k, v] : res.headers) size += k.size() + v.size() + 4;
  out.reserve(size);
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += reason_phrase(res.status);
  out += "\r\n";
  auto header = [&out](std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  };
  for (auto& [k, v] : fixed) header(k, v);
  for (auto& [k, v] : res.headers) header(k, v);
  bool bodyless = res.status < 200 || res.status == 204 || res.status == 304;
  if (!bodyless) {
    if (!res.content_type.empty()) header("Content-Type", res.content_type);
    header("Content-Length", std::to_string(res.body.size()));
  }
  if (!keep_alive) header("Connection", "close");
  out += "\r\n";
  if (!bodyless) out += res.body;
  return out;
}

}  // namespace delta::http
