#include "actors/stream/filter.hpp"

namespace delta::stream {

namespace {

// An empty filter attribute matches anything; a set one only the same value.
bool attribute_matches(const std::string& wanted, const std::string& actual) {
  return wanted.empty() || wanted == actual;
}

}  // namespace

bool visible_to(const protocol::stream_event& event, const protocol::stream_subscriber& who) {
  if (who.admin) return true;
  if (event.owner_user_id.empty()) return event.channel != protocol::stream_channel_jobs;
  return !who.user_id.empty() && event.owner_user_id == who.user_id;
}

bool matches(const protocol::stream_filter& filter, const protocol::stream_subscriber& who,
             const protocol::stream_event& event) {
  return filter.channel == event.channel && visible_to(event, who) &&
         attribute_matches(filter.symbol, event.symbol) &&
         attribute_matches(filter.model, event.model) &&
         attribute_matches(filter.event_type, event.event_type) &&
         attribute_matches(filter.job_id, event.job_id);
}

}  // namespace delta::stream
