#include "actors/jobs/job_events.hpp"

#include <caf/send.hpp>

namespace delta::jobs {

void publish(const protocol::slot_ptr<caf::actor>& events, protocol::job_event event) {
  if (!events) return;
  if (auto subscriber = events->get()) caf::anon_send(subscriber, std::move(event));
}

}  // namespace delta::jobs
