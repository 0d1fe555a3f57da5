// deltad: the Delta node. Thin: parse the command line, load the settings,
// run the chosen command.
//   deltad [serve]             serve the API (default)
//   deltad migrate [--status]  apply pending migrations / list them
//   deltad config --print      the effective configuration, secrets as ***
//   deltad users create --email E [--tier T] [--role R]   password on stdin
#include "cmd/node.hpp"
#include "config/settings.hpp"
#include "actors/auth/secrets.hpp"
#include "http/query.hpp"
#include "storage/migrator.hpp"
#include "storage/pg_connection.hpp"
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

// Reads the password from stdin (first line), so it never shows in `ps`.
int run_users_create(const config::settings& s, const std::string& email, const std::string& tier,
                     const std::string& role, const std::string& display_name) {
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.size() < 10) {
    std::cerr << "deltad users create: the password (read from stdin) must have at least 10 characters\n";
    return 2;
  }
  if (!http::plausible_email(email)) {
    std::cerr << "deltad users create: --email must be an email address\n";
    return 2;
  }
  if (role != "user" && role != "admin" && role != "internal") {
    std::cerr << "deltad users create: --role must be user, admin or internal\n";
    return 2;
  }
  auth::init_sodium();
  storage::pg_connection db{s.database.url};
  try {
    auto res = db.exec(
        "INSERT INTO users (email, password_hash, display_name, tier, role) "
        "VALUES ($1, $2, nullif($3, ''), $4, $5) RETURNING user_id::text",
        {email, auth::hash_password(password), display_name, tier, role});
    std::cout << "created user " << *res.rows.at(0).at(0) << " <" << email << "> tier " << tier
              << " role " << role << "\n";
    return 0;
  } catch (const storage::pg_exception& e) {
    if (e.error.sqlstate == "23505") {
      std::cerr << "deltad users create: a user with email " << email << " exists\n";
      return 3;
    }
    if (e.error.sqlstate == "23503") {
      std::cerr << "deltad users create: no tier named " << tier << "\n";
      return 2;
    }
    std::cerr << "deltad users create: the database refused the user (SQLSTATE "
              << e.error.sqlstate << ")\n";
    return 1;
  }
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
  auto* users_cmd = app.add_subcommand("users", "user administration");
  auto* users_create = users_cmd->add_subcommand("create", "create a user; the password is read from stdin");
  std::string email, tier = "free", role = "user", display_name;
  users_create->add_option("--email", email, "email address")->required();
  users_create->add_option("--tier", tier, "free, entry, professional, analyst or research");
  users_create->add_option("--role", role, "user, admin or internal");
  users_create->add_option("--display-name", display_name, "shown name");
  users_cmd->require_subcommand(1);
  app.require_subcommand(0, 1);
  for (auto* sub : {serve_cmd, migrate_cmd, config_cmd, users_cmd}) sub->fallthrough();
  users_create->fallthrough();
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
    if (*users_create) return run_users_create(settings, email, tier, role, display_name);
    return cmd::serve(settings);
  } catch (const std::exception& e) {
    std::cerr << "deltad: " << e.what() << "\n";
    return 1;
  }
}
