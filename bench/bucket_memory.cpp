// How much memory do 1,000,000 distinct, then idle, IP buckets cost, at peak
// and after passivation? Spawns a real bucket region (actors/ratelimit),
// charges one request to each of N distinct ip:<addr> keys, reads the
// process's resident set and the allocator's in-use bytes, waits until the
// region has passivated every bucket, and reads them again.
//
//   delta_bucket_memory [N=1000000] [idle_ms=2000]
#include "actors/ratelimit/bucket_actor.hpp"
#include "actors/runtime/entity_region.hpp"
#include "protocol/ratelimit.hpp"
#include "protocol/registration.hpp"

#include <caf/all.hpp>

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

namespace {

long rss_kib() {
  std::ifstream status{"/proc/self/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

double heap_mib() { return static_cast<double>(mallinfo2().uordblks) / (1024.0 * 1024.0); }

void report(const char* phase, long rss, double heap) {
  std::printf("%-28s rss %8.1f MiB   heap in use %8.1f MiB\n", phase, rss / 1024.0, heap);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace delta;
  long n = argc > 1 ? std::stol(argv[1]) : 1'000'000;
  auto idle = std::chrono::milliseconds(argc > 2 ? std::stol(argv[2]) : 2000);

  caf::actor_system_config cfg;
  protocol::register_types(cfg);
  cfg.set("scheduler.max-threads", 1);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  auto region = ratelimit::spawn_bucket_region(*self.ptr(), "buckets_ip", idle);

  auto rss0 = rss_kib();
  auto heap0 = heap_mib();
  report("before", rss0, heap0);

  protocol::admit_request request;
  request.limits.push_back({"rate", protocol::limit_kind::gcra, 60, 60000, 120});
  auto started = std::chrono::steady_clock::now();
  const long window = 20000;  // requests in flight
  long sent = 0, answered = 0, allowed = 0;
  auto send_one = [&] {
    auto key = "ip:10." + std::to_string((sent >> 16) & 0xff) + "." +
               std::to_string((sent >> 8) & 0xff) + "." + std::to_string(sent & 0xff) + "#" +
               std::to_string(sent);
    self->send(region, protocol::entity_atom::value, key,
               caf::make_message(protocol::admit_atom::value, request));
    ++sent;
  };
  while (sent < std::min(n, window)) send_one();
  while (answered < n) {
    self->receive([&](const protocol::admit_decision& d) {
      ++answered;
      allowed += d.allowed;
      if (sent < n) send_one();
    });
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto rss1 = rss_kib();
  auto heap1 = heap_mib();
  report("peak (all buckets live)", rss1, heap1);
  std::printf("  %ld buckets charged (%ld allowed) in %.1f s\n", n, allowed, secs);

  // Wait for passivation: poll the region's counts (bounded).
  runtime::region_counts counts;
  for (int i = 0; i < 600; ++i) {
    self->request(region, std::chrono::seconds(10), runtime::region_counts_atom::value)
        .receive([&](const runtime::region_counts& c) { counts = c; },
                 [&](caf::error& e) { std::cerr << system.render(e) << "\n"; });
    if (counts.active == 0) break;
    self->receive(caf::after(std::chrono::milliseconds(500)) >> [] {});
  }
  std::printf("  passivated %ld, still active %ld\n", static_cast<long>(counts.passivated),
              static_cast<long>(counts.active));
  auto rss2 = rss_kib();
  auto heap2 = heap_mib();
  report("after passivation", rss2, heap2);
  malloc_trim(0);
  auto rss3 = rss_kib();
  report("after malloc_trim", rss3, heap_mib());
  std::printf("per live bucket: %.0f bytes resident, %.0f bytes of heap\n",
              (rss1 - rss0) * 1024.0 / n, (heap1 - heap0) * 1024.0 * 1024.0 / n);
  caf::anon_send_exit(region, caf::exit_reason::user_shutdown);
  return 0;
}
