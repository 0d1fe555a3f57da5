#pragma once
// Pure: the JSON texts the live stream sends (API.md "Live stream"), plus
// {"type":"unsubscribed"} and {"type":"authenticated"}, which API.md leaves
// open (documented in the OpenAPI description of GET /api/v2/stream).

#include <string>
#include <string_view>

namespace delta::stream {

std::string subscribed_message(std::string_view subscription_id, std::string_view channel);
std::string unsubscribed_message(std::string_view subscription_id);
// `data_json` is embedded verbatim: it must be a JSON value.
std::string event_message(std::string_view channel, std::string_view subscription_id,
                          std::string_view data_json);
std::string error_message(std::string_view code, std::string_view message);
std::string pong_message();
std::string authenticated_message(std::string_view user_id, std::string_view auth_method);

}  // namespace delta::stream
