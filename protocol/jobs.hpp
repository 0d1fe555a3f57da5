#pragma once
// Messages and the typed interface of the jobs domain (issue 5): what the
// HTTP routes send to the jobs API actor, and the events the jobs actors
// publish for the live stream (channel `jobs`). JSON travels as text.

#include "protocol/service_directory.hpp"
#include "protocol/stream.hpp"
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace delta::protocol {

// A job as GET /api/v2/jobs/{job_id} shows it (plus owner, for the route's
// owner-or-admin check: others get 404).
struct job_view {
  std::string job_id;
  std::string kind;
  std::string owner;   // user id; empty for system jobs
  std::string status;  // queued, running, succeeded, failed, dead, cancelled
  std::int32_t progress = 0;
  std::int32_t attempts = 0;
  std::int32_t max_attempts = 0;
  caf::optional<std::string> result;  // JSON text
  caf::optional<std::string> error;
  std::string created_at;  // RFC 3339 UTC
  caf::optional<std::string> started_at;
  caf::optional<std::string> finished_at;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_view& x) {
  return f(caf::meta::type_name("delta.job_view"), x.job_id, x.kind, x.owner, x.status, x.progress,
           x.attempts, x.max_attempts, x.result, x.error, x.created_at, x.started_at, x.finished_at);
}

// A job to enqueue. The route validates the payload for its kind.
struct job_request {
  std::string kind;
  std::string payload = "{}";  // JSON object text
  std::string owner;           // user id; empty for a system job
  std::int32_t priority = 0;
  std::int32_t max_attempts = 5;
  std::string unique_key;      // empty: none; else the live job with this key is returned
  std::int64_t delay_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_request& x) {
  return f(caf::meta::type_name("delta.job_request"), x.kind, x.payload, x.owner, x.priority,
           x.max_attempts, x.unique_key, x.delay_ms);
}

struct job_query {
  std::string status;  // empty: every status
  std::int32_t limit = 50;
  std::int64_t offset = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_query& x) {
  return f(caf::meta::type_name("delta.job_query"), x.status, x.limit, x.offset);
}

struct job_page {
  std::vector<job_view> items;
  std::int64_t total = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_page& x) {
  return f(caf::meta::type_name("delta.job_page"), x.items, x.total);
}

// Progress and completion of a job, sent to the events subscriber (the
// live stream's fan-out) after the database recorded it.
struct job_event {
  std::string job_id;
  std::string kind;
  std::string owner;
  std::string status;
  std::int32_t progress = 0;
  caf::optional<std::string> result;  // JSON text, on success
  caf::optional<std::string> error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_event& x) {
  return f(caf::meta::type_name("delta.job_event"), x.job_id, x.kind, x.owner, x.status, x.progress,
           x.result, x.error);
}

using enqueue_job_atom = caf::atom_constant<caf::atom("jobenq")>;
using get_job_atom = caf::atom_constant<caf::atom("jobget")>;
using cancel_job_atom = caf::atom_constant<caf::atom("jobcancel")>;
using list_jobs_atom = caf::atom_constant<caf::atom("joblist")>;
using retry_job_atom = caf::atom_constant<caf::atom("jobretry")>;

// Errors: not_found (unknown id), conflict (cancel of a finished job, retry
// of a job that is not dead, a unique key held by another live job on
// retry), invalid (unknown kind, payload not a JSON object, bad status
// filter), unavailable (PostgreSQL down).
using jobs_actor = caf::typed_actor<
    // The created job, or the live one holding the same unique key. The job
    // is committed before the reply, so the API may answer 202.
    caf::replies_to<enqueue_job_atom, job_request>::with<job_view>,
    caf::replies_to<get_job_atom, std::string>::with<job_view>,
    // queued -> cancelled at once; running -> stays running with the
    // handler told to stop (the view shows "running" until it has stopped,
    // which may already be the case: then "cancelled").
    caf::replies_to<cancel_job_atom, std::string>::with<job_view>,
    caf::replies_to<list_jobs_atom, job_query>::with<job_page>,
    // dead -> queued with attempts reset.
    caf::replies_to<retry_job_atom, std::string>::with<job_view>>;

// The live stream channel of one job's progress: its owner's (admins: any).
inline stream_channel_spec jobs_channel() { return {stream_channel_jobs, {"job_id"}, {"job_id"}, false, true}; }

// Where the node finds this domain's services (protocol/service_directory.hpp).
inline constexpr service<jobs_actor> jobs_service{"jobs"};

}  // namespace delta::protocol
