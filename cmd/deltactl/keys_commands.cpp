// keys list|create|revoke: the caller's API keys (API.md "Platform").
#include "cmd/deltactl/api_client.hpp"
#include "cmd/deltactl/command_line.hpp"
#include "cmd/deltactl/fields_view.hpp"
#include "cmd/deltactl/json_field.hpp"
#include "cmd/deltactl/output.hpp"

#include <boost/json.hpp>

#include <iostream>
#include <memory>

namespace delta::ctl {

namespace json = boost::json;

namespace {

const route list_route{"GET", "/api/v2/platform/api-keys"};
const route create_route{"POST", "/api/v2/platform/api-keys"};
const route revoke_route{"DELETE", "/api/v2/platform/api-keys/{key_id}"};

struct keys_args {
  std::string name;
  int expires_in_days = 0;  // 0: never
  std::string key_id;
};

std::string keys_view(const json::value& data) {
  table t{{{"KEY_ID"}, {"NAME"}, {"PREFIX"}, {"RATE_PER_HOUR", align::right}, {"CREATED_AT"}, {"EXPIRES_AT"}}};
  for (auto& k : elements(data))
    t.add_row({cell_text(field(k, "key_id")), cell_text(field(k, "name")), cell_text(field(k, "prefix")),
               cell_text(field(k, "rate_limit_per_hour")), cell_text(field(k, "created_at")),
               cell_text(field(k, "expires_at"))});
  return table_text(t, "(no keys)");
}

int list_keys(const global_options& opts) { return print_route_data(opts, list_route, keys_view); }

int create_key(const global_options& opts, const keys_args& args) {
  json::object body{{"name", args.name}};
  if (args.expires_in_days > 0) body["expires_in_days"] = args.expires_in_days;
  api_client api{opts};
  auto answer = api.authenticated().call({create_route, {}, {}, json::value(std::move(body))});
  std::cerr << "deltactl: the key is shown only this once: store it now.\n";
  print_answer(opts, answer.data, [&] {
    return fields_view(answer.data);
  });
  return 0;
}

int revoke_key(const global_options& opts, const keys_args& args) {
  api_client api{opts};
  auto answer = api.authenticated().call({revoke_route, {args.key_id}, {}, {}});
  print_answer(opts, answer.data, [&] { return "Revoked key " + args.key_id + ".\n"; });
  return 0;
}

}  // namespace

void add_keys_commands(CLI::App& app, command_line& cl) {
  auto args = std::make_shared<keys_args>();
  auto* keys =
      app.add_subcommand("keys", "your API keys: list, create, revoke")->group("API keys")->require_subcommand(1);

  run_on(keys->add_subcommand("list", "your keys (never their secrets)"), cl, list_keys);

  auto* create = keys->add_subcommand("create", "create a key; its secret is printed only this once");
  create->add_option("NAME", args->name, "a name to recognise the key by (1..100 characters)")->required();
  create->add_option("--expires-in-days", args->expires_in_days, "the key expires after this many days (1..3650)")
      ->check(CLI::Range(1, 3650));
  run_on(create, cl, args, create_key);

  auto* revoke = keys->add_subcommand("revoke", "revoke a key: it is refused from the next request on, on every node");
  revoke->add_option("KEY_ID", args->key_id, "the key's id (keys list)")->required();
  run_on(revoke, cl, args, revoke_key);
}

}  // namespace delta::ctl
