#include "storage/jobs_repository.hpp"

// text_array(): the PostgreSQL text[] literal the LLM accounting batch uses too.
#include "storage/llm_repository.hpp"

#include <algorithm>

namespace delta::storage::jobs {

namespace {

constexpr const char* live = "('queued', 'running', 'failed')";

std::string ts(const std::string& column) {
  return "coalesce(to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')";
}

const std::string job_cols =
    "job_id::text, kind, payload::text, coalesce(owner::text, ''), status, priority, attempts, "
    "max_attempts, progress, result::text, error, coalesce(unique_key, ''), cancel_requested, "
    "coalesce(lease_owner, ''), " +
    ts("run_at") + ", " + ts("lease_expires_at") + ", " + ts("created_at") + ", " + ts("started_at") +
    ", " + ts("finished_at") + ", " + ts("updated_at");

// Columns every transition out of `running` clears.
constexpr const char* unlease = "lease_owner = NULL, lease_expires_at = NULL, updated_at = now()";

int to_int(const pg_value& v) { return v ? std::stoi(*v) : 0; }

job_row row_to_job(const pg_row& r) {
  job_row j;
  j.job_id = r[0].value_or("");
  j.kind = r[1].value_or("");
  j.payload = r[2].value_or("{}");
  j.owner = r[3].value_or("");
  j.status = r[4].value_or("");
  j.priority = to_int(r[5]);
  j.attempts = to_int(r[6]);
  j.max_attempts = to_int(r[7]);
  j.progress = to_int(r[8]);
  j.result = r[9];
  j.error = r[10];
  j.unique_key = r[11].value_or("");
  j.cancel_requested = r[12].value_or("f") == "t";
  j.lease_owner = r[13].value_or("");
  j.run_at = r[14].value_or("");
  j.lease_expires_at = r[15].value_or("");
  j.created_at = r[16].value_or("");
  j.started_at = r[17].value_or("");
  j.finished_at = r[18].value_or("");
  j.updated_at = r[19].value_or("");
  return j;
}

template <class F>
std::string array_of(const std::vector<new_job>& jobs, F field) {
  std::vector<std::string> values;
  values.reserve(jobs.size());
  for (auto& j : jobs) values.push_back(field(j));
  return llm::text_array(values);
}

void register_queue(pg_pool& pool) {
  pool.add_statement(
      "jobs_enqueue",
      std::string{"INSERT INTO jobs (kind, payload, owner, priority, max_attempts, unique_key, run_at) "
                  "VALUES ($1, $2::jsonb, nullif($3, '')::uuid, $4::int, $5::int, nullif($6, ''), "
                  "now() + $7::bigint * interval '1 millisecond') "
                  "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND status IN "} +
          live + " DO NOTHING RETURNING job_id::text");
  pool.add_statement("jobs_live_by_key", std::string{"SELECT job_id::text FROM jobs WHERE unique_key = $1 "
                                                     "AND status IN "} + live);
  pool.add_statement(
      "jobs_enqueue_batch",
      std::string{"INSERT INTO jobs (kind, payload, owner, priority, max_attempts, unique_key, run_at) "
                  "SELECT u.kind, u.payload::jsonb, nullif(u.owner, '')::uuid, u.priority::int, "
                  "u.max_attempts::int, nullif(u.unique_key, ''), "
                  "now() + u.delay_ms::bigint * interval '1 millisecond' "
                  "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
                  "$7::text[]) AS u (kind, payload, owner, priority, max_attempts, unique_key, delay_ms) "
                  "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND status IN "} +
          live + " DO NOTHING RETURNING job_id::text");
}

void register_dispatch(pg_pool& pool) {
  pool.add_statement(
      "jobs_settle_expired",
      std::string{"UPDATE jobs SET status = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'dead' END, "
                  "error = CASE WHEN cancel_requested THEN error "
                  "ELSE 'lease expired on the last attempt (node lost)' END, finished_at = now(), "} +
          unlease +
          // = ANY(ARRAY(...)), not IN (...): IN may be hash-joined against a scan of the whole table.
          " WHERE job_id = ANY(ARRAY(SELECT job_id FROM jobs WHERE status = 'running' AND lease_expires_at < now() "
          "AND (cancel_requested OR attempts >= max_attempts) LIMIT 100 FOR UPDATE SKIP LOCKED))");
  pool.add_statement(
      "jobs_claim",
      "WITH expired AS (SELECT job_id FROM jobs WHERE status = 'running' AND lease_expires_at < now() "
      "  AND NOT cancel_requested AND attempts < max_attempts "
      "  ORDER BY lease_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED), "
      "due AS (SELECT job_id FROM jobs WHERE status IN ('queued', 'failed') AND run_at <= now() "
      "  ORDER BY priority DESC, run_at LIMIT $2 FOR UPDATE SKIP LOCKED), "
      "picked AS (SELECT job_id FROM expired UNION ALL SELECT job_id FROM due LIMIT $2) "
      "UPDATE jobs j SET status = 'running', lease_owner = $1, "
      "  lease_expires_at = now() + $3::bigint * interval '1 millisecond', attempts = j.attempts + 1, "
      "  started_at = now(), updated_at = now(), "
      "  error = CASE WHEN j.status = 'running' THEN 'lease expired (node lost)' ELSE j.error END "
      "WHERE j.job_id = ANY(ARRAY(SELECT job_id FROM picked)) "
      "RETURNING j.job_id::text, j.kind, j.payload::text, coalesce(j.owner::text, ''), j.attempts, "
      "j.max_attempts");
  pool.add_statement("jobs_renew",
                     "UPDATE jobs SET lease_expires_at = now() + $3::bigint * interval '1 millisecond', "
                     "updated_at = now() WHERE job_id = $1::uuid AND lease_owner = $2 AND status = 'running' "
                     "RETURNING cancel_requested");
  pool.add_statement("jobs_progress",
                     "UPDATE jobs SET progress = $3::int, updated_at = now() "
                     "WHERE job_id = $1::uuid AND lease_owner = $2 AND status = 'running' "
                     "RETURNING cancel_requested");
  pool.add_statement(
      "jobs_complete",
      std::string{"UPDATE jobs j SET status = 'succeeded', result = u.result::jsonb, progress = 100, "
                  "error = NULL, finished_at = now(), "} +
          unlease +
          " FROM unnest($2::uuid[], $3::text[]) AS u (job_id, result) "
          "WHERE j.job_id = u.job_id AND j.lease_owner = $1 AND j.status = 'running' "
          "RETURNING j.job_id::text");
  pool.add_statement(
      "jobs_fail",
      std::string{"UPDATE jobs SET "
                  "status = CASE WHEN $5::boolean OR attempts >= max_attempts THEN 'dead' ELSE 'failed' END, "
                  "run_at = CASE WHEN $5::boolean OR attempts >= max_attempts THEN run_at "
                  "  ELSE now() + $4::bigint * interval '1 millisecond' END, "
                  "finished_at = CASE WHEN $5::boolean OR attempts >= max_attempts THEN now() END, "
                  "error = $3, "} +
          unlease + " WHERE job_id = $1::uuid AND lease_owner = $2 AND status = 'running' RETURNING status");
  pool.add_statement("jobs_mark_cancelled",
                     std::string{"UPDATE jobs SET status = 'cancelled', finished_at = now(), "} + unlease +
                         " WHERE job_id = $1::uuid AND lease_owner = $2 AND status = 'running' "
                         "RETURNING status");
  pool.add_statement(
      "jobs_release",
      std::string{"WITH r AS (UPDATE jobs SET "
                  "status = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END, "
                  "finished_at = CASE WHEN cancel_requested THEN now() END, "
                  "run_at = now(), attempts = greatest(attempts - 1, 0), "} +
          unlease +
          " WHERE lease_owner = $1 AND status = 'running' RETURNING job_id, status), "
          "n AS (SELECT pg_notify('delta_jobs', 'enqueued') FROM (SELECT 1 FROM r LIMIT 1) one) "
          "SELECT job_id::text FROM r WHERE (SELECT count(*) FROM n) >= 0");
}

void register_api(pg_pool& pool) {
  pool.add_statement(
      "jobs_cancel",
      "WITH c AS (UPDATE jobs SET "
      "  status = CASE WHEN status = 'running' THEN status ELSE 'cancelled' END, "
      "  finished_at = CASE WHEN status = 'running' THEN finished_at ELSE now() END, "
      "  cancel_requested = true, updated_at = now() "
      "  WHERE job_id = $1::uuid AND status IN ('queued', 'running', 'failed') RETURNING job_id, status), "
      "n AS (SELECT pg_notify('delta_jobs', 'cancel:' || job_id::text) FROM c WHERE status = 'running') "
      "SELECT status FROM c WHERE (SELECT count(*) FROM n) >= 0");
  pool.add_statement("jobs_get", "SELECT " + job_cols + " FROM jobs WHERE job_id = $1::uuid");
  pool.add_statement("jobs_count", "SELECT count(*) FROM jobs WHERE $1 = '' OR status = $1");
  pool.add_statement("jobs_page", "SELECT " + job_cols +
                                      " FROM jobs WHERE $1 = '' OR status = $1 "
                                      "ORDER BY created_at DESC, job_id LIMIT $2::int OFFSET $3::bigint");
  pool.add_statement(
      "jobs_retry_dead",
      "WITH r AS (UPDATE jobs SET status = 'queued', attempts = 0, run_at = now(), progress = 0, "
      "  error = NULL, result = NULL, finished_at = NULL, cancel_requested = false, updated_at = now() "
      "  WHERE job_id = $1::uuid AND status = 'dead' RETURNING *), "
      "n AS (SELECT pg_notify('delta_jobs', 'enqueued') FROM r) "
      "SELECT " + job_cols + " FROM r WHERE (SELECT count(*) FROM n) >= 0");
  pool.add_statement("jobs_depth", "SELECT status, count(*) FROM jobs GROUP BY status ORDER BY status");
  pool.add_statement(
      "jobs_claim_tick",
      "WITH id AS (SELECT gen_random_uuid() AS job_id), "
      "won AS (INSERT INTO job_schedule_ticks (schedule, tick_at, job_id) "
      "  SELECT $1, $2::timestamptz, job_id FROM id ON CONFLICT DO NOTHING RETURNING job_id) "
      "INSERT INTO jobs (job_id, kind, payload, priority, max_attempts, unique_key) "
      "SELECT job_id, $3, $4::jsonb, $5::int, $6::int, nullif($7, '') FROM won "
      "RETURNING job_id::text");
}

}  // namespace

void register_statements(pg_pool& pool) {
  register_queue(pool);
  register_dispatch(pool);
  register_api(pool);
}

// ---- enqueue ----

std::vector<pg_statement> enqueue(const new_job& j) {
  std::vector<pg_statement> steps{pg_statement::prepared(
      "jobs_enqueue", {j.kind, j.payload, j.owner, std::to_string(j.priority),
                       std::to_string(j.max_attempts), j.unique_key, std::to_string(j.delay_ms)})};
  if (!j.unique_key.empty()) steps.push_back(pg_statement::prepared("jobs_live_by_key", {j.unique_key}));
  return steps;
}

std::optional<enqueued> to_enqueued(const std::vector<pg_result>& results) {
  if (!results.empty() && !results[0].rows.empty()) return enqueued{results[0].rows[0][0].value_or(""), true};
  if (results.size() > 1 && !results[1].rows.empty())
    return enqueued{results[1].rows[0][0].value_or(""), false};
  return std::nullopt;
}

pg_statement enqueue_batch(const std::vector<new_job>& jobs) {
  return pg_statement::prepared(
      "jobs_enqueue_batch",
      {array_of(jobs, [](auto& j) { return j.kind; }), array_of(jobs, [](auto& j) { return j.payload; }),
       array_of(jobs, [](auto& j) { return j.owner; }),
       array_of(jobs, [](auto& j) { return std::to_string(j.priority); }),
       array_of(jobs, [](auto& j) { return std::to_string(j.max_attempts); }),
       array_of(jobs, [](auto& j) { return j.unique_key; }),
       array_of(jobs, [](auto& j) { return std::to_string(j.delay_ms); })});
}

// ---- the dispatcher's side ----

std::vector<pg_statement> claim(const std::string& node, int limit, std::int64_t lease_ms, bool settle) {
  std::vector<pg_statement> steps;
  if (settle) steps.push_back(pg_statement::prepared("jobs_settle_expired"));
  steps.push_back(pg_statement::prepared("jobs_claim", {node, std::to_string(limit), std::to_string(lease_ms)}));
  return steps;
}

std::vector<claimed_job> to_claimed(const std::vector<pg_result>& results) {
  std::vector<claimed_job> out;
  if (results.empty()) return out;
  for (auto& r : results.back().rows)
    out.push_back({r[0].value_or(""), r[1].value_or(""), r[2].value_or("{}"), r[3].value_or(""),
                   to_int(r[4]), to_int(r[5])});
  return out;
}

pg_statement renew_lease(const std::string& job_id, const std::string& node, std::int64_t lease_ms) {
  return pg_statement::prepared("jobs_renew", {job_id, node, std::to_string(lease_ms)});
}

pg_statement report_progress(const std::string& job_id, const std::string& node, int progress) {
  return pg_statement::prepared("jobs_progress", {job_id, node, std::to_string(std::clamp(progress, 0, 100))});
}

std::optional<bool> to_lease_check(const pg_result& r) {
  if (r.rows.empty()) return std::nullopt;
  return r.rows[0][0].value_or("f") == "t";
}

pg_statement complete(const std::string& node, const std::vector<finished_job>& done) {
  std::vector<std::string> ids, results;
  ids.reserve(done.size());
  results.reserve(done.size());
  for (auto& d : done) {
    ids.push_back(d.job_id);
    results.push_back(d.result);
  }
  return pg_statement::prepared("jobs_complete", {node, llm::text_array(ids), llm::text_array(results)});
}

std::vector<std::string> to_ids(const pg_result& r) {
  std::vector<std::string> out;
  out.reserve(r.rows.size());
  for (auto& row : r.rows) out.push_back(row[0].value_or(""));
  return out;
}

pg_statement fail(const std::string& job_id, const std::string& node, const std::string& error,
                  std::int64_t retry_delay_ms, bool permanent) {
  return pg_statement::prepared("jobs_fail", {job_id, node, error, std::to_string(retry_delay_ms),
                                              permanent ? "true" : "false"});
}

pg_statement mark_cancelled(const std::string& job_id, const std::string& node) {
  return pg_statement::prepared("jobs_mark_cancelled", {job_id, node});
}

pg_statement release_leases(const std::string& node) { return pg_statement::prepared("jobs_release", {node}); }

// ---- the API's side ----

std::vector<pg_statement> cancel(const std::string& job_id) {
  return {pg_statement::prepared("jobs_cancel", {job_id}), get(job_id)};
}

pg_statement get(const std::string& job_id) { return pg_statement::prepared("jobs_get", {job_id}); }

std::optional<job_row> to_job(const pg_result& r) {
  if (r.rows.empty()) return std::nullopt;
  return row_to_job(r.rows[0]);
}

std::vector<pg_statement> list(const std::string& status, int limit, std::int64_t offset) {
  return {pg_statement::prepared("jobs_count", {status}),
          pg_statement::prepared("jobs_page", {status, std::to_string(limit), std::to_string(offset)})};
}

job_page to_page(const std::vector<pg_result>& results) {
  job_page page;
  page.total = std::stoll(results.at(0).rows.at(0).at(0).value_or("0"));
  for (auto& row : results.at(1).rows) page.items.push_back(row_to_job(row));
  return page;
}

pg_statement retry_dead(const std::string& job_id) { return pg_statement::prepared("jobs_retry_dead", {job_id}); }

pg_statement depth() { return pg_statement::prepared("jobs_depth"); }

std::vector<std::pair<std::string, std::int64_t>> to_depth(const pg_result& r) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (auto& row : r.rows) out.emplace_back(row[0].value_or(""), std::stoll(row[1].value_or("0")));
  return out;
}

// ---- schedules ----

pg_statement claim_tick(const std::string& schedule, const std::string& tick_at, const new_job& job) {
  return pg_statement::prepared("jobs_claim_tick", {schedule, tick_at, job.kind, job.payload,
                                                    std::to_string(job.priority),
                                                    std::to_string(job.max_attempts), job.unique_key});
}

}  // namespace delta::storage::jobs
