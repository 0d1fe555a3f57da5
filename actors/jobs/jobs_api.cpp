#include "actors/jobs/jobs_api.hpp"

#include "actors/jobs/json_text.hpp"
#include "actors/runtime/db_calls.hpp"
#include "actors/runtime/db_errors.hpp"
#include "core/uuid.hpp"
#include "protocol/errors.hpp"
#include "storage/jobs_repository.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <cctype>

namespace delta::jobs {

namespace {

using protocol::errc;
using protocol::make_error;

using api_impl = protocol::jobs_actor::extend<
    caf::reacts_to<runtime::db_reply_atom, std::uint64_t, storage::pg_reply>>;

struct api_state {
  static inline const char* name = "delta.jobs.api";
  storage::pg_pool* pool = nullptr;
  std::shared_ptr<const handler_registry> kinds;
  runtime::db_calls db;
};

using api_self = api_impl::stateful_pointer<api_state>;

caf::optional<std::string> optional_text(const std::string& s) {
  return s.empty() ? caf::optional<std::string>{} : caf::optional<std::string>{s};
}

caf::optional<std::string> optional_text(const std::optional<std::string>& s) {
  return s ? caf::optional<std::string>{*s} : caf::optional<std::string>{};
}

protocol::job_view view_of(const storage::jobs::job_row& j) {
  return {j.job_id, j.kind, j.owner, j.status, j.progress, j.attempts, j.max_attempts,
          optional_text(j.result), optional_text(j.error), j.created_at, optional_text(j.started_at),
          optional_text(j.finished_at)};
}

storage::jobs::new_job job_of(const protocol::job_request& r) {
  return {r.kind, r.payload, r.owner, r.priority, r.max_attempts, r.unique_key, r.delay_ms};
}

// Runs `steps`, then answers with `convert(results)` (a T or an error) or
// the database's error.
template <class T, class Convert>
caf::result<T> ask(api_self self, std::vector<storage::pg_statement> steps, Convert convert) {
  return self->state.db.template answer<T>(self, *self->state.pool, std::move(steps), convert,
                                                [](const storage::pg_error& e) { return runtime::domain_error_of(e); });
}

// The job by id, or not_found.
caf::result<protocol::job_view> get_job(api_self self, const std::string& id) {
  if (!core::is_uuid(id)) return make_error(errc::not_found);
  return ask<protocol::job_view>(self, {storage::jobs::get(id)},
                                 [](std::vector<storage::pg_result>& r) -> caf::expected<protocol::job_view> {
                                   auto row = storage::jobs::to_job(r.at(0));
                                   if (!row) return make_error(errc::not_found);
                                   return view_of(*row);
                                 });
}

caf::error check_request(const api_state& st, const protocol::job_request& r) {
  if (!st.kinds->has(r.kind)) return make_error(errc::invalid, "unknown job kind " + r.kind);
  if (!is_json_object(r.payload)) return make_error(errc::invalid, "payload is not a JSON object");
  if (r.max_attempts < 1 || r.max_attempts > 100) return make_error(errc::invalid, "max_attempts 1..100");
  if (!r.owner.empty() && !core::is_uuid(r.owner)) return make_error(errc::invalid, "owner is not a user id");
  return {};
}

caf::result<protocol::job_view> enqueue(api_self self, const protocol::job_request& r) {
  if (auto err = check_request(self->state, r)) return err;
  auto promise = self->make_response_promise<protocol::job_view>();
  self->state.db.call(
      self, *self->state.pool, storage::jobs::enqueue(job_of(r)), false,
      [self, promise, r](storage::pg_reply& reply) mutable {
        if (!reply.ok()) return void(promise.deliver(runtime::domain_error_of(*reply.error)));
        auto e = storage::jobs::to_enqueued(reply.results);
        // The key's holder finished between the insert and the lookup: again.
        auto me = caf::actor_cast<protocol::jobs_actor>(self);
        if (!e) return void(promise.delegate(me, protocol::enqueue_job_atom::value, r));
        if (e->created)
          return void(promise.deliver(protocol::job_view{e->job_id, r.kind, r.owner, "queued", 0, 0,
                                                         r.max_attempts, caf::none, caf::none, "", caf::none,
                                                         caf::none}));
        promise.delegate(me, protocol::get_job_atom::value, e->job_id);
      });
  return promise;
}

caf::result<protocol::job_view> cancel(api_self self, const std::string& id) {
  if (!core::is_uuid(id)) return make_error(errc::not_found);
  return ask<protocol::job_view>(self, storage::jobs::cancel(id),
                                 [](std::vector<storage::pg_result>& r) -> caf::expected<protocol::job_view> {
                                   auto row = storage::jobs::to_job(r.at(1));
                                   if (!row) return make_error(errc::not_found);
                                   if (r.at(0).rows.empty())
                                     return make_error(errc::conflict, "job already " + row->status);
                                   return view_of(*row);
                                 });
}

caf::result<protocol::job_page> list(api_self self, const protocol::job_query& q) {
  static const std::vector<std::string> statuses{"", "queued", "running", "succeeded", "failed", "dead", "cancelled"};
  if (std::find(statuses.begin(), statuses.end(), q.status) == statuses.end())
    return make_error(errc::invalid, "unknown status " + q.status);
  return ask<protocol::job_page>(self, storage::jobs::list(q.status, q.limit, q.offset),
                                 [](std::vector<storage::pg_result>& r) {
                                   auto page = storage::jobs::to_page(r);
                                   protocol::job_page out{{}, page.total};
                                   for (auto& j : page.items) out.items.push_back(view_of(j));
                                   return out;
                                 });
}

caf::result<protocol::job_view> retry(api_self self, const std::string& id) {
  if (!core::is_uuid(id)) return make_error(errc::not_found);
  auto promise = self->make_response_promise<protocol::job_view>();
  self->state.db.call(self, *self->state.pool, {storage::jobs::retry_dead(id), storage::jobs::get(id)}, false,
                      [promise](storage::pg_reply& reply) mutable {
                        if (!reply.ok()) return void(promise.deliver(runtime::domain_error_of(*reply.error)));
                        auto retried = storage::jobs::to_job(reply.results.at(0));
                        auto now = storage::jobs::to_job(reply.results.at(1));
                        if (retried) promise.deliver(view_of(*retried));
                        else if (now) promise.deliver(make_error(errc::conflict, "job is " + now->status));
                        else promise.deliver(make_error(errc::not_found));
                      });
  return promise;
}

api_impl::behavior_type jobs_api(api_self self, storage::pg_pool* pool, std::shared_ptr<const handler_registry> kinds) {
  self->state.pool = pool;
  self->state.kinds = std::move(kinds);
  return {
      [self](protocol::enqueue_job_atom, const protocol::job_request& r) { return enqueue(self, r); },
      [self](protocol::get_job_atom, const std::string& id) { return get_job(self, id); },
      [self](protocol::cancel_job_atom, const std::string& id) { return cancel(self, id); },
      [self](protocol::list_jobs_atom, const protocol::job_query& q) { return list(self, q); },
      [self](protocol::retry_job_atom, const std::string& id) { return retry(self, id); },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
  };
}

}  // namespace

protocol::jobs_actor spawn_jobs_api(caf::local_actor& parent, storage::pg_pool& pool,
                                    std::shared_ptr<const handler_registry> kinds) {
  return parent.spawn(jobs_api, &pool, std::move(kinds));
}

}  // namespace delta::jobs
