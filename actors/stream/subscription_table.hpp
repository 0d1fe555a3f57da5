#pragma once
// Pure: the hub's subscriptions, indexed so that publishing one event looks
// only at the subscriptions that can match it: per channel, then per job_id
// (a `jobs` subscription always names one; others are under the empty key).

#include "protocol/stream.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace delta::stream {

using connection_id = std::uint64_t;

struct subscription_ref {
  connection_id connection = 0;
  std::string subscription_id;
};

class subscription_table {
 public:
  // False when the connection already has a subscription with this id.
  bool add(connection_id connection, const std::string& subscription_id,
           protocol::stream_filter filter, protocol::stream_subscriber who);
  // False when there was no such subscription.
  bool remove(connection_id connection, const std::string& subscription_id);
  // Removes every subscription of the connection; returns how many.
  std::size_t remove_connection(connection_id connection);

  // Every subscription the event reaches, in no particular order.
  std::vector<subscription_ref> match(const protocol::stream_event& event) const;

  std::size_t size() const { return size_; }
  std::size_t count(connection_id connection) const;

 private:
  struct entry {
    connection_id connection;
    std::string subscription_id;
    protocol::stream_filter filter;
    protocol::stream_subscriber who;
  };
  using bucket = std::vector<entry>;
  // channel -> job_id ("" for filters without one) -> subscriptions
  std::unordered_map<std::string, std::unordered_map<std::string, bucket>> index_;
  // connection -> its subscriptions' (channel, job_id, id), for removal
  struct where {
    std::string channel;
    std::string job_id;
    std::string subscription_id;
  };
  std::unordered_map<connection_id, std::vector<where>> by_connection_;
  std::size_t size_ = 0;

  void erase_from_index(const where& w, connection_id connection);
};

}  // namespace delta::stream
