#include "actors/jobs/jobs_supervisor.hpp"

#include "actors/jobs/dispatcher.hpp"
#include "actors/jobs/jobs_api.hpp"
#include "actors/jobs/messages.hpp"
#include "actors/jobs/schedule.hpp"
#include "actors/jobs/scheduler.hpp"
#include "actors/runtime/drain.hpp"
#include "actors/runtime/published_child.hpp"

#include <caf/all.hpp>

#include <unistd.h>

#include <random>
#include <stdexcept>

namespace delta::jobs {

namespace {

std::vector<named_schedule> checked_schedules(const jobs_options& o, const handler_registry& handlers) {
  std::string why;
  auto schedules = parse_schedules(o.schedules, &why);
  if (!schedules) throw std::invalid_argument{"jobs.schedules: " + why};
  for (auto& s : *schedules)
    if (!handlers.has(s.kind)) throw std::invalid_argument{"jobs.schedules: no handler for kind " + s.kind};
  return *schedules;
}

}  // namespace

std::string make_node_id() {
  char host[64] = {};
  gethostname(host, sizeof host - 1);
  std::random_device rd;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", rd());
  return std::string{host} + "-" + std::to_string(getpid()) + "-" + suffix;
}

runtime::supervisor_spec jobs_supervisor(storage::pg_pool& pool, jobs_options o,
                                         std::shared_ptr<const handler_registry> handlers, jobs_handles handles) {
  using runtime::published;
  auto schedules = checked_schedules(o, *handlers);
  auto entities = std::make_shared<entity_config>();
  entities->pool = &pool;
  entities->node = o.node_id.empty() ? make_node_id() : o.node_id;
  entities->handlers = handlers;
  entities->lease = lease_policy{o.lease};  // throws when too short
  entities->backoff = core::retry_backoff{o.backoff};
  entities->events = o.events;
  dispatcher_config d{o.concurrency, o.poll_interval, std::chrono::seconds(5), o.listen_url,
                      std::shared_ptr<const entity_config>(entities)};
  return {"jobs",
          {published("dispatcher", handles.dispatcher,
                     [d](caf::local_actor& sup) { return spawn_dispatcher(sup, d); }),
           published("scheduler", std::make_shared<protocol::actor_slot<caf::actor>>(),
                     [&pool, schedules](caf::local_actor& sup) { return spawn_scheduler(sup, pool, schedules); }),
           published("api", handles.api,
                     [&pool, handlers](caf::local_actor& sup) { return spawn_jobs_api(sup, pool, handlers); })}};
}

std::int64_t drain_jobs(caf::actor_system& system, const jobs_handles& handles, std::chrono::milliseconds timeout) {
  auto dispatcher = handles.dispatcher->get();
  if (!dispatcher) return -1;
  return runtime::request_drain<drain_atom>(system, dispatcher, timeout);
}

}  // namespace delta::jobs
