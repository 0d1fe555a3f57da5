#pragma once
// The outbound side of one live-stream (WebSocket) connection, as the actors
// see it: the transport (http/ws_session.cpp) implements it, the stream hub
// and the connection actor write to it. No CAF and no Beast here, so both
// sides may include it.

#include <cstdint>
#include <memory>
#include <string>

namespace delta::protocol {

class stream_sink {
 public:
  virtual ~stream_sink() = default;

  // Queues one text message; callable from any thread, never blocks. False
  // when the connection is closing or closed, including when this message
  // did not fit its bounded send queue (the transport then closes the
  // connection with 1008: a slow client is dropped, never buffered).
  virtual bool send_text(std::string text) = 0;

  // Closes the connection with a WebSocket close code (RFC 6455 section
  // 7.4); messages still queued are dropped. Any thread; idempotent.
  virtual void close(std::uint16_t code, std::string reason) = 0;
};

using stream_sink_ptr = std::shared_ptr<stream_sink>;

// Close codes the live stream uses.
namespace close_code {
constexpr std::uint16_t going_away = 1001;      // server shutting down
constexpr std::uint16_t unsupported = 1003;     // a binary message
constexpr std::uint16_t policy = 1008;          // bad credentials, auth timeout, slow client
constexpr std::uint16_t too_big = 1009;         // a message over the size limit
constexpr std::uint16_t internal = 1011;
constexpr std::uint16_t service_restart = 1012; // the fan-out restarted: reconnect
constexpr std::uint16_t try_again_later = 1013; // a dependency is unavailable
}  // namespace close_code

}  // namespace delta::protocol
