// health, ready, detailed, metrics, openapi: the unversioned operations
// routes (API.md "Operations"), no credential. They print the node's answer
// as it is (JSON pretty-printed, /metrics as text), also when it is not 2xx
// (a 503 /ready says which component is down), and exit 1 then.
#include "cmd/deltactl/api_client.hpp"
#include "cmd/deltactl/command_line.hpp"
#include "cmd/deltactl/pretty_json.hpp"

#include <boost/json.hpp>

#include <iostream>

namespace delta::ctl {

namespace {

struct operations_view {
  const char* name;
  const char* path;
  const char* help;
};

constexpr operations_view views[] = {
    {"health", "/health", "liveness: GET /health ({\"status\":\"ok\"} while the process runs)"},
    {"ready", "/ready", "readiness: GET /ready (503 names the components that are not usable)"},
    {"detailed", "/health/detailed", "every component's health with pool figures: GET /health/detailed"},
    {"metrics", "/metrics", "the Prometheus metrics text: GET /metrics"},
    {"openapi", "/openapi.json", "the node's OpenAPI 3 document: GET /openapi.json"},
};

std::string printable(const std::string& body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec) return body.empty() || body.back() == '\n' ? body : body + '\n';
  return pretty_json(doc) + '\n';
}

int show(const global_options& opts, const operations_view& view) {
  api_client api{opts};
  auto reply = api.fetch(view.path);
  std::cout << printable(reply.body);
  if (reply.status / 100 == 2) return 0;
  std::cerr << "deltactl: " << api.where().canonical() << view.path << " answered HTTP " << reply.status << "\n";
  return 1;
}

}  // namespace

void add_operations_commands(CLI::App& app, command_line& cl) {
  for (auto& view : views) {
    auto* sub = app.add_subcommand(view.name, view.help)->group("Operations (no login)");
    sub->callback([&cl, &view] { cl.run = [&cl, &view] { return show(cl.opts, view); }; });
  }
}

}  // namespace delta::ctl
