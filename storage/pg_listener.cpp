#include "storage/pg_listener.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <regex>
#include <stdexcept>
#include <thread>

namespace delta::storage {

namespace {

using steady = std::chrono::steady_clock;

enum class wait_result { ready, stop, timeout };

}  // namespace

struct pg_listener::impl {
  listener_options options;
  deliver_fn deliver;
  connected_fn on_connected;
  int stop_fd = -1;
  std::atomic<bool> stopping{false};
  std::atomic<bool> listening{false};
  std::thread thread;
  std::mt19937 rng{std::random_device{}()};

  ~impl() {
    if (stop_fd >= 0) ::close(stop_fd);
  }

  // Waits for `events` on the connection's socket or the stop signal.
  wait_result wait(int fd, short events, int timeout_ms) {
    pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    int n = ::poll(fds, fd >= 0 ? 2 : 1, timeout_ms);
    if (stopping) return wait_result::stop;
    if (n == 0) return wait_result::timeout;
    return wait_result::ready;
  }

  // Non-blocking connect, abandoned at stop(); nullptr on failure.
  PGconn* connect() {
    const char* keys[] = {"dbname", "application_name", nullptr};
    const char* values[] = {options.url.c_str(), "deltad-listener", nullptr};
    PGconn* conn = PQconnectStartParams(keys, values, 1);
    if (!conn) return nullptr;
    auto deadline = steady::now() + std::chrono::seconds(options.connect_timeout_seconds);
    auto status = PGRES_POLLING_WRITING;
    while (PQstatus(conn) != CONNECTION_BAD && status != PGRES_POLLING_OK && status != PGRES_POLLING_FAILED) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
      if (left <= 0) break;
      auto w = wait(PQsocket(conn), status == PGRES_POLLING_READING ? POLLIN : POLLOUT, static_cast<int>(left));
      if (w == wait_result::stop) break;
      status = PQconnectPoll(conn);
    }
    if (status != PGRES_POLLING_OK || stopping) {
      PQfinish(conn);
      return nullptr;
    }
    return conn;
  }

  bool listen(PGconn* conn) {
    auto sql = "LISTEN " + options.channel;
    PGresult* res = PQexec(conn, sql.c_str());  // one short round trip on our own thread
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok && PQsetnonblocking(conn, 1) == 0;
  }

  // Reads notifications until the connection breaks or stop().
  void pump(PGconn* conn) {
    listening = true;
    if (on_connected) on_connected();
    while (!stopping) {
      auto w = wait(PQsocket(conn), POLLIN, -1);
      if (w == wait_result::stop) break;
      if (!PQconsumeInput(conn) || PQstatus(conn) == CONNECTION_BAD) break;
      std::vector<std::string> payloads;
      while (PGnotify* note = PQnotifies(conn)) {
        payloads.emplace_back(note->extra ? note->extra : "");
        PQfreemem(note);
      }
      if (!payloads.empty()) deliver(std::move(payloads));
    }
    listening = false;
  }

  void run() {
    int backoff_ms = 0;
    while (!stopping) {
      if (PGconn* conn = connect()) {
        if (listen(conn)) {
          backoff_ms = 0;
          pump(conn);
        }
        PQfinish(conn);
      }
      if (stopping) break;
      // Exponential backoff from 50 ms with jitter, capped, like the pool.
      backoff_ms = backoff_ms == 0 ? 50 : std::min(backoff_ms * 2, options.max_backoff_ms);
      std::uniform_int_distribution<int> jitter{backoff_ms / 2, backoff_ms};
      wait(-1, 0, jitter(rng));
    }
  }
};

pg_listener::pg_listener(listener_options options, deliver_fn deliver, connected_fn on_connected)
    : impl_(std::make_shared<impl>()) {
  static const std::regex identifier{"^[a-z_][a-z0-9_]{0,62}$"};
  if (!std::regex_match(options.channel, identifier))
    throw std::invalid_argument{"invalid LISTEN channel name: " + options.channel};
  impl_->options = std::move(options);
  impl_->deliver = std::move(deliver);
  impl_->on_connected = std::move(on_connected);
  impl_->stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->stop_fd < 0) throw std::runtime_error{"eventfd failed"};
}

pg_listener::~pg_listener() { stop(); }

void pg_listener::start() {
  auto state = impl_;
  impl_->thread = std::thread{[state] { state->run(); }};
}

void pg_listener::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->stopping = true;
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(impl_->stop_fd, &one, sizeof one);
  impl_->thread.join();
}

bool pg_listener::connected() const { return impl_->listening; }

}  // namespace delta::storage
