// nodes, drain: cluster membership (API.md "Cluster", admin).
#include "cmd/deltactl/api_client.hpp"
#include "cmd/deltactl/command_line.hpp"
#include "cmd/deltactl/fields_view.hpp"
#include "cmd/deltactl/json_field.hpp"
#include "cmd/deltactl/output.hpp"

#include <boost/json.hpp>

#include <memory>

namespace delta::ctl {

namespace json = boost::json;

namespace {

const route nodes_route{"GET", "/api/v2/platform/admin/cluster/nodes"};
const route drain_route{"POST", "/api/v2/platform/admin/cluster/nodes/{node_id}/drain"};

std::string nodes_view(const json::value& data) {
  table t{{{"NODE_ID"}, {"STATUS"}, {"HTTP"}, {"CLUSTER"}, {"RING_SHARE", align::right},
           {"SESSIONS", align::right}, {"BUCKETS", align::right}, {"BREAKERS", align::right},
           {"JOBS", align::right}, {"STARTED_AT"}, {"HEARTBEAT_AT"}}};
  for (auto& n : elements(data)) {
    auto& entities = field(n, "entities");
    t.add_row({cell_text(field(n, "node_id")), cell_text(field(n, "status")), cell_text(field(n, "http_address")),
               cell_text(field(n, "cluster_address")), cell_text(field(n, "ring_share")),
               cell_text(field(entities, "sessions")), cell_text(field(entities, "buckets")),
               cell_text(field(entities, "breakers")), cell_text(field(entities, "jobs")),
               cell_text(field(n, "started_at")), cell_text(field(n, "heartbeat_at"))});
  }
  return table_text(t, "(no nodes)");
}

int list_nodes(const global_options& opts) { return print_route_data(opts, nodes_route, nodes_view); }

int drain(const global_options& opts, const std::string& node_id) {
  api_client api{opts};
  auto answer = api.authenticated().call({drain_route, {node_id}, {}, {}});
  print_answer(opts, answer.data, [&] {
    auto head = "Node " + node_id + " is " + cell_text(field(answer.data, "status")) + ".\n";
    return head + fields_view(answer.data);
  });
  return 0;
}

}  // namespace

void add_cluster_commands(CLI::App& app, command_line& cl) {
  auto* nodes = app.add_subcommand("nodes", "the cluster's nodes: status, addresses, ring share, entities (admin)")
                    ->group("Cluster");
  run_on(nodes, cl, list_nodes);

  auto node_id = std::make_shared<std::string>();
  auto* drain_cmd = app.add_subcommand("drain", "drain a node: it hands its work over, becomes left and exits (admin)")
                        ->group("Cluster");
  drain_cmd->add_option("NODE_ID", *node_id, "the node's id (deltactl nodes)")->required();
  run_on(drain_cmd, cl, node_id, drain);
}

}  // namespace delta::ctl
