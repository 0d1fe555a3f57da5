// deltactl: the operator's command line. Talks only to a node's HTTP API
// (API.md); the commands live in cmd/deltactl/<group>_commands.cpp.
#include "cmd/deltactl/command_line.hpp"
#include "cmd/deltactl/failure.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

using delta::ctl::exit_code;

constexpr const char* footer = R"(Credentials: `deltactl login` keeps a session token (or an API key) per --url in
$XDG_CONFIG_HOME/delta/credentials (default ~/.config/delta/credentials, mode 0600);
every other command sends it, unless --token or --api-key is given.
Output: human tables; --json prints the answer's data as one JSON document.
Exit codes:
  0  done
  1  the API refused (4xx/5xx): its error code and message are on stderr
  2  usage error (unknown command or option, bad argument)
  3  cannot connect to the node, or no answer within --timeout
  4  not logged in: no stored credential for --url, and no --token or --api-key)";

void add_global_options(CLI::App& app, delta::ctl::global_options& opts) {
  app.add_option("--url", opts.url, "the node's base URL, http(s)://host[:port]")
      ->envname("DELTACTL_URL")
      ->capture_default_str();
  app.add_option("--token", opts.token, "a session token to use instead of the stored credential");
  app.add_option("--api-key", opts.api_key, "an API key to use instead of the stored credential");
  app.add_flag("--json", opts.json, "print the answer's data as JSON");
  app.add_option("--timeout", opts.timeout_seconds, "seconds one request may take")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
}

int run(delta::ctl::command_line& cl) {
  try {
    return cl.run();
  } catch (const delta::ctl::failure& f) {
    std::cerr << "deltactl: " << f.what() << "\n";
    return static_cast<int>(f.code());
  } catch (const std::exception& e) {
    std::cerr << "deltactl: unexpected answer: " << e.what() << "\n";
    return static_cast<int>(exit_code::refused);
  }
}

}  // namespace

int main(int argc, char** argv) {
  delta::ctl::command_line cl;
  CLI::App app{"deltactl: operate Delta nodes through their HTTP API"};
  app.fallthrough();  // global options may follow the command's name (inherited by every command)
  app.require_subcommand(1);
  add_global_options(app, cl.opts);
  // CLI11 copies a parent's footer into each new subcommand: theirs says
  // where the rest is; the root's own footer is set after them.
  app.footer("Global options (--url, --token, --api-key, --json, --timeout) and exit codes: deltactl --help");
  delta::ctl::add_operations_commands(app, cl);
  delta::ctl::add_session_commands(app, cl);
  delta::ctl::add_cluster_commands(app, cl);
  delta::ctl::add_jobs_commands(app, cl);
  delta::ctl::add_keys_commands(app, cl);
  delta::ctl::add_llm_commands(app, cl);
  delta::ctl::add_top_command(app, cl);
  app.footer(footer);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : static_cast<int>(exit_code::usage);
  }
  return run(cl);
}
