#pragma once
// SQL of the durable job queue (migrations/0005_jobs.sql). Statements are
// prepared on every pool connection; the functions build calls and convert
// rows. Every change to a running job is conditional on the caller still
// holding its lease (lease_owner = the node id it claimed with): a node that
// lost its lease changes nothing, and learns so from an empty result.
//
// Plain values of storage's own, like the other repositories: the jobs
// actors map them to their handler's view and to protocol messages.

#include "storage/pg_pool.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace delta::storage::jobs {

struct new_job {
  std::string kind;
  std::string payload = "{}";  // JSON text
  std::string owner;           // user id; empty for a system job
  int priority = 0;            // higher first
  int max_attempts = 5;        // 1..100
  std::string unique_key;      // empty: none
  std::int64_t delay_ms = 0;   // run_at = now() + delay
};

struct job_row {
  std::string job_id;
  std::string kind;
  std::string payload;  // JSON text
  std::string owner;    // empty: system job
  std::string status;   // queued, running, succeeded, failed, dead, cancelled
  int priority = 0;
  int attempts = 0;
  int max_attempts = 0;
  int progress = 0;
  std::optional<std::string> result;  // JSON text
  std::optional<std::string> error;
  std::string unique_key;  // empty: none
  bool cancel_requested = false;
  std::string lease_owner;  // empty unless running
  // RFC 3339 UTC; empty when not set
  std::string run_at, lease_expires_at, created_at, started_at, finished_at, updated_at;
};

// What a claim hands to the dispatcher.
struct claimed_job {
  std::string job_id;
  std::string kind;
  std::string payload;
  std::string owner;
  int attempts = 0;  // including this one
  int max_attempts = 0;
};

// One successful attempt, for the batched completion.
struct finished_job {
  std::string job_id;
  std::string result = "{}";  // JSON text
};

struct enqueued {
  std::string job_id;
  bool created = true;  // false: an existing live job with the same unique key
};

struct job_page {
  std::vector<job_row> items;
  std::int64_t total = 0;
};

void register_statements(pg_pool& pool);

// ---- enqueue ----
// One or two steps (run without a transaction): the insert, and with a
// unique key the lookup of the live job holding it. Convert with to_enqueued.
std::vector<pg_statement> enqueue(const new_job& job);
// nullopt only when the key's holder finished between the two steps: enqueue again.
std::optional<enqueued> to_enqueued(const std::vector<pg_result>& results);
// Many jobs in one statement; rows: the ids of the jobs created (those whose
// unique key was live already are skipped).
pg_statement enqueue_batch(const std::vector<new_job>& jobs);

// ---- the dispatcher's side ----
// Two steps (no transaction): settle running jobs whose lease expired and
// that must not run again (cancel requested -> cancelled; attempts used up ->
// dead), then claim up to `limit` jobs: running ones whose lease expired
// first, then due queued/failed ones by priority and run_at, all with
// FOR UPDATE SKIP LOCKED so concurrent claimers never take the same job.
// Claimed jobs are running, leased to `node` for `lease_ms`, attempts + 1.
// Without `settle` only the claim runs (one round trip: the hot path; the
// settling is needed only as often as dead nodes are noticed, e.g. per poll).
std::vector<pg_statement> claim(const std::string& node, int limit, std::int64_t lease_ms, bool settle = true);
std::vector<claimed_job> to_claimed(const std::vector<pg_result>& results);

// One row (cancel_requested) while `node` still holds the lease; none when lost.
pg_statement renew_lease(const std::string& job_id, const std::string& node, std::int64_t lease_ms);
// Same answer as renew_lease; progress is clamped to 0..100.
pg_statement report_progress(const std::string& job_id, const std::string& node, int progress);
// Cancel requested for a running job? nullopt when the lease is lost.
std::optional<bool> to_lease_check(const pg_result& r);

// Many successes in one statement; rows: the ids that were still leased to
// `node` (only those became succeeded).
pg_statement complete(const std::string& node, const std::vector<finished_job>& done);
std::vector<std::string> to_ids(const pg_result& r);

// A failed attempt: failed with run_at = now() + retry_delay_ms, or dead when
// attempts are used up or `permanent`. One row (the new status) while owned.
pg_statement fail(const std::string& job_id, const std::string& node, const std::string& error,
                  std::int64_t retry_delay_ms, bool permanent);
// The handler stopped after a cancel request: cancelled. One row while owned.
pg_statement mark_cancelled(const std::string& job_id, const std::string& node);
// Graceful shutdown: every job leased to `node` goes back to queued (run_at
// now, the attempt not charged; cancel-requested ones become cancelled) and
// the dispatchers are notified. Rows: the released ids.
pg_statement release_leases(const std::string& node);

// ---- the API's side ----
// Two steps (no transaction): the cancel, then the job as get() returns it.
// queued/failed -> cancelled at once; running -> cancel_requested (its
// handler is told through NOTIFY and its next lease renewal). The first
// result has one row (the status after the cancel) when it applied; none when
// the job does not exist or is finished.
std::vector<pg_statement> cancel(const std::string& job_id);
pg_statement get(const std::string& job_id);  // zero or one row: to_job
std::optional<job_row> to_job(const pg_result& r);
// Two steps: the count and the page, newest first; status "" lists all.
std::vector<pg_statement> list(const std::string& status, int limit, std::int64_t offset);
job_page to_page(const std::vector<pg_result>& results);
// dead -> queued, attempts reset, run at once. One row (like get) when it was dead.
pg_statement retry_dead(const std::string& job_id);
// Rows (status, count) for every status that has jobs.
pg_statement depth();
std::vector<std::pair<std::string, std::int64_t>> to_depth(const pg_result& r);

// ---- schedules ----
// The node whose insert of (schedule, tick_at) wins enqueues `job` in the
// same statement: one row (the job id) for the winner, none for the others.
// tick_at is RFC 3339 or any timestamptz literal.
pg_statement claim_tick(const std::string& schedule, const std::string& tick_at, const new_job& job);

}  // namespace delta::storage::jobs
