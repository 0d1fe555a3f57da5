#include "cmd/deltactl/top_frame.hpp"

#include "cmd/deltactl/json_field.hpp"
#include "cmd/deltactl/table.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace delta::ctl {

namespace json = boost::json;

namespace {

double number(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return 0;
}

std::string path_of(const actor_row& r) { return cell_text(field(r.actor, "path")); }

std::vector<column> top_columns(bool with_node) {
  std::vector<column> c;
  if (with_node) c.push_back({"NODE"});
  for (auto* title : {"ACTOR", "KIND", "STATUS"}) c.push_back({title});
  for (auto* title : {"MSG/S", "MESSAGES", "MAILBOX", "MAILBOX_MAX", "P50_US", "P99_US", "RESTARTS"})
    c.push_back({title, align::right});
  c.push_back({"LAST_RESTART_AT"});
  c.push_back({"ENTITIES", align::right});
  return c;
}

std::vector<std::string> top_cells(const actor_row& r, bool with_node) {
  std::vector<std::string> cells;
  if (with_node) cells.push_back(r.node_id);
  auto& actor = r.actor;
  for (auto* key : {"path", "kind", "status", "messages_per_second", "messages_total", "mailbox_depth",
                    "mailbox_depth_max", "processing_us_p50", "processing_us_p99", "restarts_total",
                    "last_restart_at"})
    cells.push_back(cell_text(field(actor, key)));
  cells.push_back(cell_text(field(field(actor, "entities"), "live")));
  return cells;
}

}  // namespace

std::vector<actor_row> actor_rows(const json::value& telemetry, top_order order) {
  std::vector<actor_row> rows;
  for (auto& node : elements(telemetry)) {
    auto node_id = cell_text(field(node, "node_id"));
    for (auto& a : elements(field(node, "actors"))) {
      if (!a.is_object()) continue;
      rows.push_back({node_id, a, number(field(a, "messages_per_second")),
                      number(field(a, "mailbox_depth"))});
    }
  }
  auto key = [order](const actor_row& r) {
    return order == top_order::mailbox_depth ? r.mailbox_depth : r.messages_per_second;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const actor_row& a, const actor_row& b) {
    if (key(a) != key(b)) return key(a) > key(b);
    if (a.node_id != b.node_id) return a.node_id < b.node_id;
    return path_of(a) < path_of(b);
  });
  return rows;
}

std::string top_frame(const json::value& telemetry, top_order order) {
  std::string out;
  auto& nodes = elements(telemetry);
  for (auto& node : nodes)
    out += "node " + cell_text(field(node, "node_id")) + "  sampled_at " + cell_text(field(node, "sampled_at")) +
           "  actors " + std::to_string(elements(field(node, "actors")).size()) + "\n";
  bool with_node = nodes.size() > 1;
  table t{top_columns(with_node)};
  for (auto& row : actor_rows(telemetry, order)) t.add_row(top_cells(row, with_node));
  return out + t.render();
}

}  // namespace delta::ctl
