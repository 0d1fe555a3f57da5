#pragma once
// Pure: what a live-stream client sent, parsed and validated (API.md "Live
// stream"). A text that is not one of the messages below yields the error to
// answer ({"type":"error","error":{code,message}}); the connection stays open.
//
//   {"op":"auth","token":"..."} | {"op":"auth","api_key":"..."}
//   {"op":"subscribe","channel":"<one of `channels`>","filters":{<its filters>}}
//     e.g. decisions {"symbol"?,"model"?,"event_type"?}, jobs {"job_id"}
//   {"op":"unsubscribe","subscription_id":"..."}
//   {"op":"ping"}

#include "protocol/stream.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace delta::stream {

enum class client_op { auth, subscribe, unsubscribe, ping };

struct client_message {
  client_op op = client_op::ping;
  std::string token;            // auth: a session token, or
  std::string api_key;          //       an API key (exactly one of the two)
  protocol::stream_filter filter;  // subscribe (filter.channel is the channel)
  std::string subscription_id;  // unsubscribe
};

// `code` is an API error code (bad_request, validation_failed, ...).
struct client_error {
  std::string code;
  std::string message;
};

using parsed_message = std::variant<client_message, client_error>;

// Longest accepted filter value or identifier, in bytes.
constexpr std::size_t max_attribute_length = 128;

parsed_message parse_client_message(std::string_view text, const protocol::stream_channels& channels);

}  // namespace delta::stream
