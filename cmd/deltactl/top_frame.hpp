#pragma once
// One frame of `deltactl top`: the actors of every node in the telemetry
// document (API.md "Actor telemetry": [{node_id, sampled_at, actors:[...]}]),
// busiest first, as a table. Pure: the command fetches and repeats.

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace delta::ctl {

enum class top_order { messages_per_second, mailbox_depth };

struct actor_row {
  std::string node_id;
  boost::json::value actor;  // the object as the node sent it
  double messages_per_second = 0;
  double mailbox_depth = 0;
};

// Every actor of every node, by `order` descending, then by node and path.
std::vector<actor_row> actor_rows(const boost::json::value& telemetry, top_order order);

// A line per node (id, sampled_at, actor count), then the table; a NODE
// column only when the document holds more than one node.
std::string top_frame(const boost::json::value& telemetry, top_order order);

}  // namespace delta::ctl
