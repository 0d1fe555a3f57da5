#pragma once
// The parsed command line: the global options, and the chosen command as a
// function that runs after parsing (so every option is set by then) and
// returns the exit code, or throws failure.

#include "cmd/deltactl/global_options.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>

namespace delta::ctl {

struct command_line {
  global_options opts;
  std::function<int()> run;
};

// Makes `command` the one to run when `sub` is chosen on the command line.
inline void run_on(CLI::App* sub, command_line& cl, int (*command)(const global_options&)) {
  sub->callback([&cl, command] { cl.run = [&cl, command] { return command(cl.opts); }; });
}

// The same for a command with arguments, which `sub`'s options fill in.
template <class Args>
void run_on(CLI::App* sub, command_line& cl, std::shared_ptr<Args> args,
            int (*command)(const global_options&, const Args&)) {
  sub->callback([&cl, args, command] { cl.run = [&cl, args, command] { return command(cl.opts, *args); }; });
}

// Each adds its commands to the root app; they live in <name>_commands.cpp.
void add_operations_commands(CLI::App& app, command_line& cl);
void add_session_commands(CLI::App& app, command_line& cl);
void add_cluster_commands(CLI::App& app, command_line& cl);
void add_jobs_commands(CLI::App& app, command_line& cl);
void add_keys_commands(CLI::App& app, command_line& cl);
void add_llm_commands(CLI::App& app, command_line& cl);
void add_top_command(CLI::App& app, command_line& cl);

}  // namespace delta::ctl
