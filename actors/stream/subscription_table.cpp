#include "actors/stream/subscription_table.hpp"

#include "actors/stream/filter.hpp"

#include <algorithm>

namespace delta::stream {

bool subscription_table::add(connection_id connection, const std::string& subscription_id,
                             protocol::stream_filter filter, protocol::stream_subscriber who) {
  auto& mine = by_connection_[connection];
  for (auto& w : mine)
    if (w.subscription_id == subscription_id) return false;
  mine.push_back({filter.channel, filter.job_id, subscription_id});
  auto& b = index_[filter.channel][filter.job_id];
  b.push_back({connection, subscription_id, std::move(filter), std::move(who)});
  ++size_;
  return true;
}

void subscription_table::erase_from_index(const where& w, connection_id connection) {
  auto channel = index_.find(w.channel);
  if (channel == index_.end()) return;
  auto b = channel->second.find(w.job_id);
  if (b == channel->second.end()) return;
  auto& entries = b->second;
  auto it = std::find_if(entries.begin(), entries.end(), [&](const entry& e) {
    return e.connection == connection && e.subscription_id == w.subscription_id;
  });
  if (it == entries.end()) return;
  entries.erase(it);
  --size_;
  if (entries.empty()) channel->second.erase(b);
  if (channel->second.empty()) index_.erase(channel);
}

bool subscription_table::remove(connection_id connection, const std::string& subscription_id) {
  auto mine = by_connection_.find(connection);
  if (mine == by_connection_.end()) return false;
  auto& list = mine->second;
  auto it = std::find_if(list.begin(), list.end(),
                         [&](const where& w) { return w.subscription_id == subscription_id; });
  if (it == list.end()) return false;
  erase_from_index(*it, connection);
  list.erase(it);
  if (list.empty()) by_connection_.erase(mine);
  return true;
}

std::size_t subscription_table::remove_connection(connection_id connection) {
  auto mine = by_connection_.find(connection);
  if (mine == by_connection_.end()) return 0;
  auto n = mine->second.size();
  for (auto& w : mine->second) erase_from_index(w, connection);
  by_connection_.erase(mine);
  return n;
}

std::vector<subscription_ref> subscription_table::match(const protocol::stream_event& event) const {
  std::vector<subscription_ref> out;
  auto channel = index_.find(event.channel);
  if (channel == index_.end()) return out;
  auto scan = [&](const std::string& job_id) {
    auto b = channel->second.find(job_id);
    if (b == channel->second.end()) return;
    for (auto& e : b->second)
      if (matches(e.filter, e.who, event)) out.push_back({e.connection, e.subscription_id});
  };
  scan("");
  if (!event.job_id.empty()) scan(event.job_id);
  return out;
}

std::size_t subscription_table::count(connection_id connection) const {
  auto mine = by_connection_.find(connection);
  return mine == by_connection_.end() ? 0 : mine->second.size();
}

}  // namespace delta::stream
