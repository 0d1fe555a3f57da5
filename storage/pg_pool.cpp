#include "storage/pg_pool.hpp"

#include "core/backoff.hpp"

#include "storage/libpq_conversions.hpp"
#include "telemetry/metrics_registry.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

namespace delta::storage {

namespace asio = boost::asio;

namespace {

struct pending_call {
  std::vector<pg_statement> steps;
  bool transaction = false;
  pg_callback done;
  std::vector<pg_result> results;
  std::size_t next = 0;
};

pg_error unavailable(std::string message) {
  return {pg_failure::unavailable, "", std::move(message)};
}

enum class conn_state { down, connecting, preparing, idle, busy };

// The outcome of one statement sent on a connection.
struct step_outcome {
  bool lost = false;                 // the connection broke
  std::optional<pg_error> error;     // the statement failed
  pg_result result;
};

}  // namespace

struct connection {
  explicit connection(asio::io_context& ioc) : timer(ioc) {}
  PGconn* conn = nullptr;
  std::optional<asio::posix::stream_descriptor> socket;
  int libpq_fd = -1;
  conn_state state = conn_state::down;
  unsigned generation = 0;
  asio::steady_timer timer;
  int failed_connects = 0;  // in a row: the reconnect backoff's exponent
  bool last_attempt_failed = false;  // until it connects again
  bool reading = false;
  bool writing = false;
  std::unique_ptr<pending_call> current;
  std::function<void(step_outcome)> on_step;  // completion of the statement in flight
  std::optional<pg_error> step_error;
  pg_result step_result;
  std::size_t prepare_index = 0;
};

struct pg_pool::impl {
  explicit impl(pool_options o) : options(std::move(o)), guard(asio::make_work_guard(ioc)) {}

  pool_options options;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  std::thread thread;
  std::vector<std::pair<std::string, std::string>> statements;
  std::vector<std::unique_ptr<connection>> connections;
  std::deque<std::unique_ptr<pending_call>> queue;
  bool down = false;  // a connect attempt failed while no connection was up
  bool stopping = false;
  std::mutex accepting_mutex;  // guards `accepting` against stop() racing call()
  bool accepting = true;
  std::mt19937 rng{std::random_device{}()};

  std::atomic<int> stat_connected{0};
  std::atomic<int> stat_busy{0};
  std::atomic<std::int64_t> stat_queued{0};
  std::atomic<std::int64_t> stat_calls{0};
  std::atomic<std::int64_t> stat_failures{0};
  std::atomic<std::int64_t> stat_reconnects{0};

  // --- connecting -------------------------------------------------------

  void begin_connect(connection* c) {
    c->state = conn_state::connecting;
    ++c->generation;
    auto options_kw = "-c statement_timeout=" + std::to_string(options.statement_timeout_ms);
    const char* keys[] = {"dbname", "application_name", "options", "keepalives",
                          "keepalives_idle", "keepalives_interval", "keepalives_count", nullptr};
    const char* values[] = {options.url.c_str(), "deltad", options_kw.c_str(), "1", "10", "5", "3",
                            nullptr};
    c->conn = PQconnectStartParams(keys, values, 1);
    if (!c->conn || PQstatus(c->conn) == CONNECTION_BAD) return connect_failed(c);
    PQsetNoticeProcessor(c->conn, [](void*, const char*) {}, nullptr);
    if (!attach_socket(c)) return connect_failed(c);
    auto gen = c->generation;
    c->timer.expires_after(std::chrono::seconds(options.connect_timeout_seconds));
    c->timer.async_wait([this, c, gen](boost::system::error_code ec) {
      if (!ec && gen == c->generation && c->state == conn_state::connecting) connect_failed(c);
    });
    poll_connect(c, PGRES_POLLING_WRITING);
  }

  // False when libpq has no usable socket (the attempt failed).
  bool attach_socket(connection* c) {
    if (c->socket) {
      c->socket->close();
      c->socket.reset();
    }
    c->reading = c->writing = false;
    c->libpq_fd = PQsocket(c->conn);
    if (c->libpq_fd < 0) return false;
    // A dup'ed descriptor, so asio and libpq never fight over one fd.
    int fd = ::dup(c->libpq_fd);
    if (fd < 0) return false;
    boost::system::error_code ec;
    c->socket.emplace(ioc);
    c->socket->assign(fd, ec);
    if (ec) {
      ::close(fd);
      c->socket.reset();
      return false;
    }
    return true;
  }

  void poll_connect(connection* c, PostgresPollingStatusType want) {
    auto gen = c->generation;
    auto wait = want == PGRES_POLLING_READING ? asio::posix::stream_descriptor::wait_read
                                              : asio::posix::stream_descriptor::wait_write;
    c->socket->async_wait(wait, [this, c, gen](boost::system::error_code ec) {
      if (ec || gen != c->generation || c->state != conn_state::connecting) return;
      auto status = PQconnectPoll(c->conn);
      if (status == PGRES_POLLING_FAILED) return connect_failed(c);
      // libpq may switch sockets while it tries the addresses of a host.
      if (PQsocket(c->conn) != c->libpq_fd && !attach_socket(c)) return connect_failed(c);
      if (status == PGRES_POLLING_OK) return connected(c);
      poll_connect(c, status);
    });
  }

  void connected(connection* c) {
    c->timer.cancel();
    PQsetnonblocking(c->conn, 1);
    c->state = conn_state::preparing;
    c->prepare_index = 0;
    prepare_next(c);
  }

  void prepare_next(connection* c) {
    if (c->prepare_index == statements.size()) return became_ready(c);
    auto& [name, sql] = statements[c->prepare_index++];
    if (!PQsendPrepare(c->conn, name.c_str(), sql.c_str(), 0, nullptr)) return lost(c);
    await_step(c, [this, c](step_outcome out) {
      if (out.lost) return lost(c);
      // A statement that does not prepare is a bug in our SQL: calls using
      // it fail as query errors; the connection itself is fine.
      prepare_next(c);
    });
  }

  void became_ready(connection* c) {
    c->state = conn_state::idle;
    c->failed_connects = 0;
    c->last_attempt_failed = false;
    down = false;
    ++stat_connected;
    arm_read(c);
    dispatch();
  }

  void connect_failed(connection* c) {
    close(c);
    c->last_attempt_failed = true;
    if (no_connection_up() && every_attempt_failed()) {
      down = true;
      fail_queue("database unavailable");
    }
    schedule_reconnect(c);
  }

  void lost(connection* c) {
    if (c->state == conn_state::idle || c->state == conn_state::busy) --stat_connected;
    if (c->state == conn_state::busy) --stat_busy;
    if (c->current) finish_call(c, unavailable("connection to the database lost"), false);
    close(c);
    c->last_attempt_failed = true;
    if (no_connection_up()) {
      down = true;
      fail_queue("database unavailable");
    }
    schedule_reconnect(c);
  }

  void close(connection* c) {
    ++c->generation;
    c->timer.cancel();
    if (c->socket) {
      c->socket->close();
      c->socket.reset();
    }
    if (c->conn) {
      PQfinish(c->conn);
      c->conn = nullptr;
    }
    c->reading = c->writing = false;
    c->state = conn_state::down;
    c->on_step = nullptr;
  }

  void schedule_reconnect(connection* c) {
    if (stopping) return;
    ++stat_reconnects;
    // Exponential backoff from 50 ms with full jitter, capped; the floor
    // keeps a lost server from being dialled in a tight loop.
    ++c->failed_connects;
    core::retry_backoff backoff{{std::chrono::milliseconds(50), std::chrono::milliseconds(options.max_backoff_ms),
                                 std::chrono::milliseconds(10)}};
    auto gen = c->generation;
    c->timer.expires_after(backoff.delay(c->failed_connects, std::uniform_real_distribution<double>{0.0, 1.0}(rng)));
    c->timer.async_wait([this, c, gen](boost::system::error_code ec) {
      if (!ec && gen == c->generation && !stopping) begin_connect(c);
    });
  }

  // At start-up, calls wait for the first attempts instead of failing at the
  // first refused connection.
  bool every_attempt_failed() const {
    for (auto& c : connections)
      if (!c->last_attempt_failed) return false;
    return true;
  }

  bool no_connection_up() const {
    for (auto& c : connections)
      if (c->state == conn_state::idle || c->state == conn_state::busy) return false;
    return true;
  }

  // --- socket readiness -------------------------------------------------

  void arm_read(connection* c) {
    if (c->reading || !c->socket) return;
    c->reading = true;
    auto gen = c->generation;
    c->socket->async_wait(asio::posix::stream_descriptor::wait_read,
                          [this, c, gen](boost::system::error_code ec) {
                            if (gen != c->generation) return;
                            c->reading = false;
                            if (ec) return lost(c);
                            on_readable(c);
                          });
  }

  void on_readable(connection* c) {
    if (!PQconsumeInput(c->conn) || PQstatus(c->conn) == CONNECTION_BAD) return lost(c);
    while (auto* note = PQnotifies(c->conn)) PQfreemem(note);
    if (c->state == conn_state::idle) return arm_read(c);  // liveness watch
    collect_results(c);
  }

  void collect_results(connection* c) {
    while (!PQisBusy(c->conn)) {
      PGresult* res = PQgetResult(c->conn);
      if (!res) {
        step_outcome out;
        out.error = std::move(c->step_error);
        out.result = std::move(c->step_result);
        c->step_error.reset();
        c->step_result = {};
        auto done = std::move(c->on_step);
        c->on_step = nullptr;
        if (done) done(std::move(out));
        return;
      }
      auto status = PQresultStatus(res);
      if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        if (!c->step_error) c->step_result = detail::convert(res);
      } else if (!c->step_error) {
        c->step_error = detail::error_of(c->conn, res);
      }
      PQclear(res);
    }
    arm_read(c);
  }

  void flush(connection* c) {
    auto r = PQflush(c->conn);
    if (r < 0) return lost(c);
    if (r == 0 || c->writing) return;
    c->writing = true;
    auto gen = c->generation;
    c->socket->async_wait(asio::posix::stream_descriptor::wait_write,
                          [this, c, gen](boost::system::error_code ec) {
                            if (gen != c->generation) return;
                            c->writing = false;
                            if (ec) return lost(c);
                            flush(c);
                          });
  }

  void await_step(connection* c, std::function<void(step_outcome)> done) {
    c->on_step = std::move(done);
    flush(c);
    if (c->conn) arm_read(c);
  }

  // --- calls ------------------------------------------------------------

  void enqueue(std::unique_ptr<pending_call> call) {
    ++stat_calls;
    if (stopping) return fail(*call, unavailable("database pool stopping"));
    if (down && no_connection_up()) return fail(*call, unavailable("database unavailable"));
    if (queue.size() >= options.max_queue) return fail(*call, unavailable("database queue full"));
    queue.push_back(std::move(call));
    stat_queued = static_cast<std::int64_t>(queue.size());
    dispatch();
  }

  void dispatch() {
    for (auto& c : connections) {
      if (queue.empty()) break;
      if (c->state != conn_state::idle) continue;
      auto call = std::move(queue.front());
      queue.pop_front();
      start_call(c.get(), std::move(call));
    }
    stat_queued = static_cast<std::int64_t>(queue.size());
  }

  void start_call(connection* c, std::unique_ptr<pending_call> call) {
    c->state = conn_state::busy;
    ++stat_busy;
    if (call->transaction) {
      call->steps.insert(call->steps.begin(), pg_statement::literal("BEGIN"));
      call->steps.push_back(pg_statement::literal("COMMIT"));
    }
    c->current = std::move(call);
    run_next_step(c);
  }

  void run_next_step(connection* c) {
    auto& call = *c->current;
    if (call.next == call.steps.size()) return finish_call(c, std::nullopt, true);
    auto& step = call.steps[call.next];
    std::vector<const char*> values;
    values.reserve(step.params.size());
    for (auto& p : step.params) values.push_back(p ? p->c_str() : nullptr);
    int sent = step.name.empty()
                   ? PQsendQueryParams(c->conn, step.sql.c_str(), static_cast<int>(values.size()),
                                       nullptr, values.data(), nullptr, nullptr, 0)
                   : PQsendQueryPrepared(c->conn, step.name.c_str(),
                                         static_cast<int>(values.size()), values.data(), nullptr,
                                         nullptr, 0);
    if (!sent) return lost(c);
    await_step(c, [this, c](step_outcome out) {
      if (out.lost) return lost(c);
      auto& call = *c->current;
      if (out.error) return step_failed(c, std::move(*out.error));
      bool framing = call.transaction && (call.next == 0 || call.next + 1 == call.steps.size());
      if (!framing) call.results.push_back(std::move(out.result));
      ++call.next;
      run_next_step(c);
    });
  }

  void step_failed(connection* c, pg_error error) {
    if (!c->current->transaction || PQtransactionStatus(c->conn) != PQTRANS_INERROR)
      return finish_call(c, std::move(error), true);
    if (!PQsendQuery(c->conn, "ROLLBACK")) return lost(c);
    await_step(c, [this, c, error = std::move(error)](step_outcome out) mutable {
      if (out.lost) return lost(c);
      finish_call(c, std::move(error), true);
    });
  }

  void finish_call(connection* c, std::optional<pg_error> error, bool connection_alive) {
    auto call = std::move(c->current);
    if (connection_alive) {
      c->state = conn_state::idle;
      --stat_busy;
      arm_read(c);
    }
    pg_reply reply;
    if (error) {
      ++stat_failures;
      reply.error = std::move(error);
    } else {
      reply.results = std::move(call->results);
    }
    call->done(std::move(reply));
    if (connection_alive) dispatch();
  }

  void fail(pending_call& call, pg_error error) {
    ++stat_failures;
    pg_reply reply;
    reply.error = std::move(error);
    call.done(std::move(reply));
  }

  void fail_queue(const std::string& why) {
    while (!queue.empty()) {
      auto call = std::move(queue.front());
      queue.pop_front();
      fail(*call, unavailable(why));
    }
    stat_queued = 0;
  }
};

pg_pool::pg_pool(pool_options options) : impl_(std::make_unique<impl>(std::move(options))) {
  for (int i = 0; i < impl_->options.size; ++i)
    impl_->connections.push_back(std::make_unique<connection>(impl_->ioc));
}

pg_pool::~pg_pool() { stop(); }

void pg_pool::add_statement(std::string name, std::string sql) {
  impl_->statements.emplace_back(std::move(name), std::move(sql));
}

void pg_pool::start() {
  asio::post(impl_->ioc, [this] {
    for (auto& c : impl_->connections) impl_->begin_connect(c.get());
  });
  impl_->thread = std::thread{[this] { impl_->ioc.run(); }};
}

void pg_pool::stop() {
  {
    std::lock_guard guard{impl_->accepting_mutex};
    impl_->accepting = false;
  }
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->ioc, [this] {
    impl_->stopping = true;
    impl_->fail_queue("database pool stopping");
    for (auto& c : impl_->connections) {
      if (c->current) impl_->finish_call(c.get(), unavailable("database pool stopping"), false);
      impl_->close(c.get());
    }
    impl_->stat_connected = 0;
    impl_->stat_busy = 0;
    impl_->guard.reset();
  });
  impl_->thread.join();
}

void pg_pool::call(std::vector<pg_statement> steps, bool transaction, pg_callback done) {
  auto call = std::make_unique<pending_call>();
  call->steps = std::move(steps);
  call->transaction = transaction;
  call->done = std::move(done);
  std::lock_guard guard{impl_->accepting_mutex};
  if (!impl_->accepting) {
    // The pool's thread is gone: answer here, as promised, exactly once.
    impl_->fail(*call, unavailable("database pool stopped"));
    return;
  }
  asio::post(impl_->ioc, [this, call = std::move(call)]() mutable {
    impl_->enqueue(std::move(call));
  });
}

pool_stats pg_pool::stats() const {
  pool_stats s;
  s.size = impl_->options.size;
  s.connected = impl_->stat_connected.load();
  s.busy = impl_->stat_busy.load();
  s.queued = impl_->stat_queued.load();
  s.calls = impl_->stat_calls.load();
  s.failures = impl_->stat_failures.load();
  s.reconnects = impl_->stat_reconnects.load();
  return s;
}

void pg_pool::export_metrics(telemetry::metrics_registry& registry) {
  registry.add_collector([this](telemetry::metrics_registry& r) {
    auto s = stats();
    r.gauge_family("delta_db_pool_size", "Configured PostgreSQL connections").with({}).set(s.size);
    r.gauge_family("delta_db_pool_connected", "PostgreSQL connections that are up").with({}).set(s.connected);
    r.gauge_family("delta_db_pool_busy", "PostgreSQL connections running a call").with({}).set(s.busy);
    r.gauge_family("delta_db_pool_queued", "Calls waiting for a connection").with({}).set(static_cast<double>(s.queued));
    r.gauge_family("delta_db_pool_calls", "Calls submitted since start").with({}).set(static_cast<double>(s.calls));
    r.gauge_family("delta_db_pool_failures", "Calls that failed since start").with({}).set(static_cast<double>(s.failures));
    r.gauge_family("delta_db_pool_reconnects", "Reconnect attempts since start").with({}).set(static_cast<double>(s.reconnects));
  });
}

}  // namespace delta::storage
