#include "cmd/deltactl/refusal.hpp"

#include "cmd/deltactl/table.hpp"

#include <boost/json.hpp>

namespace delta::ctl {

namespace json = boost::json;

namespace {

// The envelope's "error" object; an empty object when the body has none.
json::object error_object(const std::string& body) {
  boost::system::error_code ec;
  auto doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return {};
  auto* error = doc.get_object().if_contains("error");
  return error && error->is_object() ? error->get_object() : json::object{};
}

std::string text_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string{};
}

std::string detail_lines(const json::object& error) {
  auto* details = error.if_contains("details");
  if (!details || !details->is_array()) return {};
  std::string out;
  for (auto& d : details->get_array()) {
    if (!d.is_object()) continue;
    out += "\n  " + text_of(d.get_object(), "field") + ": " + text_of(d.get_object(), "problem");
  }
  return out;
}

}  // namespace

refusal read_refusal(unsigned status, const std::string& body) {
  auto error = error_object(body);
  return {status, text_of(error, "code"), text_of(error, "message")};
}

std::string refusal_text(unsigned status, const std::string& body) {
  auto error = error_object(body);
  auto http = "HTTP " + std::to_string(status);
  if (text_of(error, "code").empty()) return http + " without an API error document";
  auto request_id = text_of(error, "request_id");
  return text_of(error, "code") + ": " + shortened(text_of(error, "message"), 500) + " (" + http +
         (request_id.empty() ? "" : ", request_id " + request_id) + ")" + detail_lines(error);
}

}  // namespace delta::ctl
