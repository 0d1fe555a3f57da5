#pragma once
// Subscribers and events shared by the live stream's unit tests.
#include "protocol/stream.hpp"

#include <string>

namespace delta::stream::testing {

inline const protocol::stream_subscriber alice{"u-alice", false};
inline const protocol::stream_subscriber bob{"u-bob", false};
inline const protocol::stream_subscriber admin{"u-admin", true};

inline protocol::stream_event decision(std::string symbol, std::string model = "", std::string type = "",
                                       std::string owner = "") {
  protocol::stream_event e;
  e.channel = "decisions";
  e.owner_user_id = std::move(owner);
  e.symbol = std::move(symbol);
  e.model = std::move(model);
  e.event_type = std::move(type);
  e.data_json = "{}";
  return e;
}

inline protocol::stream_event job(std::string job_id, std::string owner) {
  protocol::stream_event e;
  e.channel = "jobs";
  e.owner_user_id = std::move(owner);
  e.job_id = std::move(job_id);
  return e;
}

}  // namespace delta::stream::testing
