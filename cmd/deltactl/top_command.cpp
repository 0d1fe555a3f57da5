// top: the actors of every node (API.md "Actor telemetry", admin), busiest
// first, refreshed every second until Ctrl-C; --once prints one frame.
#include "cmd/deltactl/api_client.hpp"
#include "cmd/deltactl/command_line.hpp"
#include "cmd/deltactl/output.hpp"
#include "cmd/deltactl/top_frame.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>

#include <unistd.h>

namespace delta::ctl {

namespace {

const route telemetry_route{"GET", "/api/v2/platform/admin/telemetry"};
constexpr auto refresh_period = std::chrono::seconds(1);

struct top_args {
  bool once = false;
  top_order order = top_order::messages_per_second;
  std::string node;
};

std::atomic<bool> interrupted{false};

void on_interrupt(int) { interrupted = true; }

// Ctrl-C ends the loop between frames (exit 0) instead of killing the
// process mid-line. No SA_RESTART: the pause below wakes up at once.
void catch_interrupt() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
}

void pause_until(std::chrono::steady_clock::time_point when) {
  while (!interrupted) {
    auto left = when - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return;
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    ::nanosleep(&ts, nullptr);
  }
}

std::string frame_header(const api_client& api, const top_args& args) {
  return "deltactl top  " + api.where().canonical() + "  sorted by " +
         (args.order == top_order::mailbox_depth ? "mailbox depth" : "messages/s") +
         (args.once ? "" : "  (every second, Ctrl-C to quit)") + "\n";
}

int top(const global_options& opts, const top_args& args) {
  api_client api{opts};
  api.authenticated();
  bool terminal = ::isatty(STDOUT_FILENO);
  bool once = args.once || opts.json;
  catch_interrupt();
  auto next = std::chrono::steady_clock::now();
  for (bool first = true; !interrupted; first = false) {
    auto answer = api.call({telemetry_route, {}, {{"node", args.node}}, {}});
    if (terminal && !once) std::cout << "\x1b[H\x1b[2J";  // home, clear: the frame replaces the last one
    else if (!first) std::cout << '\n';
    print_answer(opts, answer.data, [&] { return frame_header(api, args) + top_frame(answer.data, args.order); });
    std::cout << std::flush;
    if (once) break;
    pause_until(next += refresh_period);
  }
  return 0;
}

}  // namespace

void add_top_command(CLI::App& app, command_line& cl) {
  auto args = std::make_shared<top_args>();
  auto* sub =
      app.add_subcommand("top", "live actor telemetry of every node, busiest first (admin)")->group("Telemetry");
  sub->add_flag("--once", args->once, "print one frame and exit (for scripts; --json implies it)");
  const std::map<std::string, top_order> orders{{"messages", top_order::messages_per_second},
                                               {"mailbox", top_order::mailbox_depth}};
  sub->add_option("--sort", args->order, "messages (messages/s, the default) or mailbox (mailbox depth)")
      ->transform(CLI::CheckedTransformer(orders));
  sub->add_option("--node", args->node, "only this node (its node_id, see deltactl nodes)");
  run_on(sub, cl, args, top);
}

}  // namespace delta::ctl
