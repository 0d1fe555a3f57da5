// deltad: the Delta node. Thin: parse the command line, load the settings,
// run the chosen command.
//   deltad [serve]             serve the API (default)
//   deltad migrate [--status]  apply pending migrations / list them
//   deltad config --print      the effective configuration, secrets as ***
#include "cmd/node.hpp"
#include "config/settings.hpp"
#include "storage/migrator.hpp"
#include "telemetry/json_log.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

using namespace delta;

int run_migrate(const config::settings& s, bool status_only) {
  auto all = storage::load_migrations(s.database.migrations_dir);
  if (status_only) {
    for (auto& m : storage::migrations_status(s.database.url, all))
      std::cout << m.name << "  " << (m.applied ? "applied " + m.applied_at.value_or("") : "pending")
                << (m.changed ? "  CHANGED SINCE APPLIED" : "") << "\n";
    return 0;
  }
  auto applied = storage::apply_migrations(s.database.url, all);
  for (int v : applied) std::cout << "applied " << v << "\n";
  std::cout << (applied.empty() ? "schema is up to date" : "done") << " (" << all.size()
            << " migrations known)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"deltad: the Delta node"};
  std::string config_file, host;
  int port = -1;
  app.add_option("--config", config_file, "TOML configuration file");
  app.add_option("--host", host, "listen address (http.host)");
  app.add_option("--port", port, "listen port (http.port)");
  auto* serve_cmd = app.add_subcommand("serve", "serve the API (the default)");
  auto* migrate_cmd = app.add_subcommand("migrate", "apply pending schema migrations");
  bool status_only = false;
  migrate_cmd->add_flag("--status", status_only, "list migrations and whether they are applied");
  auto* config_cmd = app.add_subcommand("config", "configuration commands");
  bool print = false;
  config_cmd->add_flag("--print", print, "print the effective configuration (secrets as ***)");
  app.require_subcommand(0, 1);
  for (auto* sub : {serve_cmd, migrate_cmd, config_cmd}) sub->fallthrough();
  CLI11_PARSE(app, argc, argv);

  config::settings settings;
  try {
    config::sources from;
    if (!config_file.empty()) from.toml_file = config_file;
    from.environment = config::process_environment();
    if (!host.empty()) from.flags["http.host"] = host;
    if (port >= 0) from.flags["http.port"] = std::to_string(port);
    settings = config::load(from);
  } catch (const config::config_error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  telemetry::init_logging(*telemetry::parse_log_level(settings.log.level));

  try {
    if (*config_cmd) {
      if (!print) {
        std::cerr << "usage: deltad config --print\n";
        return 2;
      }
      std::cout << config::print_redacted(settings);
      return 0;
    }
    if (*migrate_cmd) return run_migrate(settings, status_only);
    return cmd::serve(settings);
  } catch (const std::exception& e) {
    std::cerr << "deltad: " << e.what() << "\n";
    return 1;
  }
}
