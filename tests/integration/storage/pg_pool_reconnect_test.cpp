// storage/pg_pool.hpp when PostgreSQL goes away and comes back: calls fail
// promptly as unavailable during the outage and succeed again by themselves
// afterwards. Each test runs its own private cluster (initdb into a temp
// directory, owned by the postgres OS user when run as root), removed in all
// cases by RAII.
#include "storage/pg_pool.hpp"

#include "tests/integration/support/test_database.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <filesystem>
#include <pwd.h>
#include <stdexcept>

using namespace delta::storage;
using delta::testing::call_and_wait;
using namespace std::chrono_literals;

namespace {

// A TCP port nobody listens on right now (the kernel picks it).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error{"cannot find a free port"};
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A PostgreSQL cluster of our own on 127.0.0.1, stopped and deleted on destruction.
class private_cluster {
 public:
  private_cluster()
      : bin_(delta::testing::required_env("DELTA_TEST_PG_BIN")),
        dir_("delta-it-cluster-"),
        port_(free_port()) {
    as_root_ = ::geteuid() == 0;
    if (as_root_) {
      auto* pw = ::getpwnam("postgres");
      if (!pw) throw std::runtime_error{"running as root needs the postgres OS user"};
      if (::chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::runtime_error{"cannot chown " + dir_.path().string()};
    }
    run("initdb -D " + data() + " -A trust -U postgres -E UTF8 --no-sync", "initdb");
  }

  ~private_cluster() {
    if (running_) {
      try {
        stop();
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }

  void start() {
    run("pg_ctl -D " + data() + " -l " + (dir_.path() / "postgres.log").string() +
            " -w -t 60 -o \"-p " + std::to_string(port_) + " -k " + dir_.path().string() +
            " -c listen_addresses=127.0.0.1 -c fsync=off\" start",
        "pg_ctl start");
    running_ = true;
  }

  // Returns once the server is down (pg_ctl -w).
  void stop() {
    running_ = false;
    run("pg_ctl -D " + data() + " -m fast -w -t 60 stop", "pg_ctl stop");
  }

  std::string url() const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
  }

 private:
  std::string data() const { return (dir_.path() / "data").string(); }

  void run(const std::string& command, const std::string& what) const {
    auto log = (dir_.path() / "commands.log").string();
    auto line = (as_root_ ? "runuser -u postgres -- " : "") + bin_ + "/" + command + " >>" + log +
                " 2>&1";
    if (std::system(line.c_str()) != 0)
      throw std::runtime_error{what + " failed: " + line + " (see " + log + ")"};
  }

  std::string bin_;
  delta::testing::temp_dir dir_;
  int port_;
  bool as_root_ = false;
  bool running_ = false;
};

pool_options options_for(const std::string& url) {
  pool_options o;
  o.url = url;
  o.size = 2;
  o.connect_timeout_seconds = 2;
  o.max_backoff_ms = 200;
  return o;
}

pg_statement ping() { return pg_statement::prepared("ping", {std::string{"41"}}); }

// Calls until one succeeds, at most `rounds` times; each call is awaited on
// its future (bounded), with a short pause between rounds (bounded poll).
bool succeeds_within(pg_pool& pool, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    auto reply = call_and_wait(pool, ping(), 10s);
    if (reply.ok()) {
      EXPECT_EQ(reply.results.at(0).rows.at(0).at(0), "42");
      return true;
    }
    EXPECT_EQ(reply.error->kind, pg_failure::unavailable) << reply.error->message;
    delta::testing::pause_between_polls(100ms);
  }
  return false;
}

}  // namespace

TEST(PgPoolReconnect, FailsFastDuringAnOutageAndRecoversByItself) {
  std::optional<private_cluster> cluster;
  ASSERT_NO_THROW(cluster.emplace());
  cluster->start();
  pg_pool pool{options_for(cluster->url())};
  pool.add_statement("ping", "SELECT $1::int + 1");
  pool.start();
  ASSERT_TRUE(succeeds_within(pool, 1));

  cluster->stop();
  // Every call during the outage answers promptly, as unavailable.
  for (int i = 0; i < 5; ++i) {
    auto reply = call_and_wait(pool, ping(), 5s);
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error->kind, pg_failure::unavailable) << reply.error->message;
  }

  cluster->start();
  // Prepared statements are prepared again on the new connections.
  EXPECT_TRUE(succeeds_within(pool, 100)) << "no successful call after PostgreSQL came back";
  EXPECT_GT(pool.stats().reconnects, 0);
  pool.stop();
}

TEST(PgPoolReconnect, ServesOnceAClusterThatWasDownAtStartComesUp) {
  std::optional<private_cluster> cluster;
  ASSERT_NO_THROW(cluster.emplace());
  pg_pool pool{options_for(cluster->url())};
  pool.add_statement("ping", "SELECT $1::int + 1");
  pool.start();
  auto reply = call_and_wait(pool, ping(), 10s);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::unavailable) << reply.error->message;

  cluster->start();
  EXPECT_TRUE(succeeds_within(pool, 100)) << "no successful call after PostgreSQL started";
  pool.stop();
}
