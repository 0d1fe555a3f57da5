#include "domain/stream/client_message.hpp"

#include <algorithm>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <initializer_list>
#include <optional>

namespace delta::stream {

namespace json = boost::json;

namespace {

client_error bad_request(std::string message) { return {"bad_request", std::move(message)}; }
client_error invalid(std::string message) { return {"validation_failed", std::move(message)}; }

// A string member: absent -> "", present -> a non-empty string of at most
// max_attribute_length bytes, else an error naming the field.
std::variant<std::string, client_error> text_field(const json::object& obj, std::string_view name,
                                                   std::string_view where) {
  auto* v = obj.if_contains(name);
  if (!v) return std::string{};
  auto full = std::string{where} + std::string{name};
  if (!v->is_string()) return invalid(full + " must be a string.");
  auto& s = v->get_string();
  if (s.empty() || s.size() > max_attribute_length)
    return invalid(full + " must be 1 to " + std::to_string(max_attribute_length) + " characters.");
  return std::string{s};
}

std::optional<client_error> only_fields(const json::object& obj, const std::vector<std::string_view>& allowed,
                                        std::string_view where) {
  for (auto& [key, value] : obj) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) return invalid("Unknown field " + std::string{where} + std::string{key} + ".");
  }
  return std::nullopt;
}

parsed_message parse_auth(const json::object& obj) {
  auto token = text_field(obj, "token", "");
  if (auto* e = std::get_if<client_error>(&token)) return *e;
  auto key = text_field(obj, "api_key", "");
  if (auto* e = std::get_if<client_error>(&key)) return *e;
  client_message m;
  m.op = client_op::auth;
  m.token = std::get<std::string>(token);
  m.api_key = std::get<std::string>(key);
  if (m.token.empty() == m.api_key.empty())
    return invalid("auth needs exactly one of token or api_key.");
  return m;
}

parsed_message parse_subscribe(const json::object& obj, const protocol::stream_channels& channels) {
  auto* channel = obj.if_contains("channel");
  if (!channel) return invalid("subscribe needs a channel.");
  if (!channel->is_string()) return invalid("channel must be a string.");
  client_message m;
  m.op = client_op::subscribe;
  m.filter.channel = std::string{channel->get_string()};
  auto* spec = protocol::find_channel(channels, m.filter.channel);
  if (!spec) {
    std::string names;
    for (auto& c : channels) names += (names.empty() ? "" : ", ") + c.name;
    return invalid("Unknown channel; use one of: " + names + ".");
  }
  static const json::object no_filters;
  const json::object* filters = &no_filters;
  if (auto* f = obj.if_contains("filters"); f && !f->is_null()) {
    if (!f->is_object()) return invalid("filters must be an object.");
    filters = &f->get_object();
  }
  std::vector<std::string_view> allowed{spec->filters.begin(), spec->filters.end()};
  if (auto e = only_fields(*filters, allowed, "filters.")) return *e;
  for (auto [name, target] : {std::pair{"symbol", &m.filter.symbol}, std::pair{"model", &m.filter.model},
                              std::pair{"event_type", &m.filter.event_type},
                              std::pair{"job_id", &m.filter.job_id}}) {
    auto value = text_field(*filters, name, "filters.");
    if (auto* e = std::get_if<client_error>(&value)) return *e;
    *target = std::get<std::string>(value);
    bool required = std::find(spec->required.begin(), spec->required.end(), name) != spec->required.end();
    if (required && target->empty()) return invalid("The " + spec->name + " channel needs filters." + name + ".");
  }
  return m;
}

parsed_message parse_unsubscribe(const json::object& obj) {
  auto id = text_field(obj, "subscription_id", "");
  if (auto* e = std::get_if<client_error>(&id)) return *e;
  client_message m;
  m.op = client_op::unsubscribe;
  m.subscription_id = std::get<std::string>(id);
  if (m.subscription_id.empty()) return invalid("unsubscribe needs a subscription_id.");
  return m;
}

}  // namespace

parsed_message parse_client_message(std::string_view text, const protocol::stream_channels& channels) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec) return bad_request("The message is not valid JSON.");
  if (!value.is_object()) return bad_request("The message must be a JSON object.");
  auto& obj = value.get_object();
  auto* op = obj.if_contains("op");
  if (!op || !op->is_string()) return bad_request("The message needs an op (a string).");
  auto& name = op->get_string();
  if (name == "auth") return parse_auth(obj);
  if (name == "subscribe") return parse_subscribe(obj, channels);
  if (name == "unsubscribe") return parse_unsubscribe(obj);
  if (name == "ping") return client_message{client_op::ping, {}, {}, {}, {}};
  return bad_request("Unknown op; use auth, subscribe, unsubscribe or ping.");
}

}  // namespace delta::stream
