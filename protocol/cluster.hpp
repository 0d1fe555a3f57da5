#pragma once
// The cluster (API.md "Cluster"): what other domains may ask of it. Every
// node runs one cluster actor (its membership view and its links to the
// other nodes); it is a service like any other.

#include "protocol/service_directory.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace delta::protocol {

// One node as this node sees it.
struct member_view {
  std::string node_id;
  std::string status;  // joining | up | draining | down | left
  bool self = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_view& x) {
  return f(caf::meta::type_name("delta.member_view"), x.node_id, x.status, x.self);
}

using member_list = std::vector<member_view>;

// (members_atom) -> member_list: every node of the membership, self included.
using members_atom = caf::atom_constant<caf::atom("members")>;

// (node_call_atom, node_id, service_name, caf::message) -> that node's answer:
// the message is delivered to the node's service `service_name` (a
// caf::actor service of its directory, e.g. "telemetry") and its reply comes
// back; errors: not_found (unknown node or service), unavailable (the node
// did not answer within the call's bound). To self, it goes to the local
// service. Remote calls always carry a timeout.
using node_call_atom = caf::atom_constant<caf::atom("nodecall")>;

inline constexpr service<caf::actor> cluster_service{"cluster"};

}  // namespace delta::protocol
