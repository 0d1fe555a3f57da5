#pragma once
// How a job kind's code runs. One handler object per attempt, created by the
// kind's factory in the job's own entity actor; it finishes the attempt by
// calling succeed() or fail() on its context, at once or later.
//
// AT-LEAST-ONCE: a handler may run more than once for the same job (the node
// died after the work but before recording it, a lease expired while the
// node was paused, a retry after a partial failure). Write every handler to be
// idempotent: derive what it writes from the job id and payload, upsert
// rather than insert, and make external effects safe to repeat.
//
// Asynchronous handlers: start() may send requests to other actors through
// self() (e.g. self()->request(gateway, caf::infinite, ...).then(...)) or run
// SQL through query(), and finish in the continuation. Never block: start()
// runs on a CAF scheduler thread (no libpq, no sleep, no blocking socket).
//
// Cancellation is cooperative: when the job is cancelled (or the node loses
// its lease) the entity calls cancel(); the handler stops its work. Results
// reported after that are ignored.

#include "storage/pg_pool.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace delta::jobs {

// The job as its handler sees it.
struct running_job {
  std::string job_id;
  std::string kind;
  std::string payload;  // JSON text (an object)
  std::string owner;    // user id; empty for system jobs
  int attempt = 1;      // 1 for the first run
  int max_attempts = 1;
};

class job_context {
 public:
  virtual ~job_context() = default;
  virtual const running_job& job() const = 0;
  // 0..100; clamped. Recorded in the database and reported to subscribers.
  virtual void progress(int percent) = 0;
  // `result_json` must be JSON text (an object); it becomes the job's result.
  virtual void succeed(std::string result_json) = 0;
  // retryable = false: no later attempt can succeed (bad payload): dead at once.
  virtual void fail(std::string error, bool retryable = true) = 0;
  // True once cancel() was called: the handler should wind down.
  virtual bool cancelling() const = 0;
  // The actor running this job (for request/then and timers).
  virtual caf::event_based_actor* self() = 0;
  // Runs SQL on the node's pool; `then` runs later inside the job's actor.
  virtual void query(std::vector<storage::pg_statement> steps, bool transaction,
                     std::function<void(storage::pg_reply&)> then) = 0;
  // Runs `then` inside the job's actor after `delay` (a timer, never a sleep).
  virtual void after(std::chrono::milliseconds delay, std::function<void()> then) = 0;
};

class job_handler {
 public:
  virtual ~job_handler() = default;
  virtual void start(job_context& ctx) = 0;
  virtual void cancel(job_context& ctx) {}
};

}  // namespace delta::jobs
