// breakers, llm routes: the LLM gateway's state (API.md "Platform", admin).
// The use cases come from actors/llm/use_case.hpp, the gateway's own list.
#include "actors/llm/use_case.hpp"
#include "cmd/deltactl/api_client.hpp"
#include "cmd/deltactl/command_line.hpp"
#include "cmd/deltactl/failure.hpp"
#include "cmd/deltactl/json_field.hpp"
#include "cmd/deltactl/output.hpp"

#include <boost/json.hpp>

#include <memory>

namespace delta::ctl {

namespace json = boost::json;

namespace {

const route breakers_route{"GET", "/api/v2/platform/admin/llm/breakers"};
const route llm_route_route{"GET", "/api/v2/platform/admin/llm/routes/{use_case}"};

std::string breakers_view(const json::value& data) {
  table t{{{"PROVIDER"}, {"MODEL"}, {"BASE_URL"}, {"STATE"}, {"FAILURES", align::right},
           {"IN_FLIGHT", align::right}, {"OPENED_AT"}, {"RETRY_AT"}}};
  for (auto& b : elements(data))
    t.add_row({cell_text(field(b, "provider")), cell_text(field(b, "model")), cell_text(field(b, "base_url")),
               cell_text(field(b, "state")), cell_text(field(b, "failures")), cell_text(field(b, "in_flight")),
               cell_text(field(b, "opened_at")), cell_text(field(b, "retry_at"))});
  return table_text(t, "(no breakers yet: an endpoint gets one with its first call)");
}

int breakers(const global_options& opts) { return print_route_data(opts, breakers_route, breakers_view); }

// Where the route's provider key comes from, never the key.
std::string key_source(const json::value& r) {
  auto& env = field(r, "api_key_env");
  if (env.is_string()) return "env " + std::string(env.get_string());
  return field(r, "api_key_configured") == json::value(true) ? "stored" : "-";
}

// One table row per use case; null routes (none configured) as such.
std::string routes_view(const json::object& routes) {
  table t{{{"USE_CASE"}, {"PROVIDER"}, {"MODEL"}, {"BASE_URL"}, {"MAX_TOKENS", align::right},
           {"TEMPERATURE", align::right}, {"TIMEOUT_S", align::right}, {"JSON"}, {"ACTIVE"}, {"KEY"},
           {"UPDATED_AT"}}};
  for (auto& [use_case, r] : routes) {
    if (r.is_null()) {
      t.add_row({std::string(use_case), "(no route)"});
      continue;
    }
    t.add_row({std::string(use_case), cell_text(field(r, "provider")), cell_text(field(r, "model")),
               cell_text(field(r, "base_url")), cell_text(field(r, "max_tokens")), cell_text(field(r, "temperature")),
               cell_text(field(r, "timeout_seconds")), cell_text(field(r, "json_output")),
               cell_text(field(r, "active")), key_source(r), cell_text(field(r, "updated_at"))});
  }
  return t.render();
}

// A use case without a routing row answers 404: null in the listing.
json::value route_or_null(api_client& api, const std::string& use_case) {
  try {
    return api.call({llm_route_route, {use_case}, {}, {}}).data;
  } catch (const failure& f) {
    if (f.api_code() == "not_found") return nullptr;
    throw;
  }
}

int every_route(const global_options& opts) {
  api_client api{opts};
  api.authenticated();
  json::object routes;
  for (auto u : llm::all_use_cases) {
    std::string name(llm::to_string(u));
    routes[name] = route_or_null(api, name);
  }
  print_answer(opts, routes, [&] { return routes_view(routes); });
  return 0;
}

int llm_routes(const global_options& opts, const std::string& use_case) {
  if (use_case.empty()) return every_route(opts);
  api_client api{opts};
  auto answer = api.authenticated().call({llm_route_route, {use_case}, {}, {}});
  print_answer(opts, answer.data, [&] { return routes_view(json::object{{use_case, answer.data}}); });
  return 0;
}

std::vector<std::string> use_case_names() {
  std::vector<std::string> names;
  for (auto u : llm::all_use_cases) names.emplace_back(llm::to_string(u));
  return names;
}

}  // namespace

void add_llm_commands(CLI::App& app, command_line& cl) {
  run_on(app.add_subcommand("breakers", "every provider endpoint's circuit breaker (admin)")->group("LLM gateway"), cl,
         breakers);

  auto* llm = app.add_subcommand("llm", "the LLM gateway's routing")->group("LLM gateway")->require_subcommand(1);
  auto use_case = std::make_shared<std::string>();
  auto* routes = llm->add_subcommand("routes", "the routing row of one use case, or of every use case (admin)");
  routes->add_option("USE_CASE", *use_case, "one use case (default: all)")->check(CLI::IsMember(use_case_names()));
  run_on(routes, cl, use_case, llm_routes);
}

}  // namespace delta::ctl
