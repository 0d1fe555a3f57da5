#include "domain/stream/server_message.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace delta::stream {

namespace {

std::string quoted(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

}  // namespace

std::string subscribed_message(std::string_view subscription_id, std::string_view channel) {
  return R"({"type":"subscribed","subscription_id":)" + quoted(subscription_id) +
         R"(,"channel":)" + quoted(channel) + "}";
}

std::string unsubscribed_message(std::string_view subscription_id) {
  return R"({"type":"unsubscribed","subscription_id":)" + quoted(subscription_id) + "}";
}

std::string event_message(std::string_view channel, std::string_view subscription_id,
                          std::string_view data_json) {
  std::string out;
  out.reserve(64 + channel.size() + subscription_id.size() + data_json.size());
  out += R"({"type":"event","channel":)";
  out += quoted(channel);
  out += R"(,"subscription_id":)";
  out += quoted(subscription_id);
  out += R"(,"data":)";
  out += data_json.empty() ? std::string_view{"null"} : data_json;
  out += '}';
  return out;
}

std::string error_message(std::string_view code, std::string_view message) {
  return R"({"type":"error","error":{"code":)" + quoted(code) + R"(,"message":)" + quoted(message) +
         "}}";
}

std::string pong_message() { return R"({"type":"pong"})"; }

std::string authenticated_message(std::string_view user_id, std::string_view auth_method) {
  return R"({"type":"authenticated","user_id":)" + quoted(user_id) + R"(,"auth_method":)" +
         quoted(auth_method) + "}";
}

}  // namespace delta::stream
