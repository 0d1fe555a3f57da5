#pragma once
// Sends a job_event to the node's subscriber (the live stream's fan-out),
// when one is wired in; otherwise nothing.

#include "protocol/actor_slot.hpp"
#include "protocol/jobs.hpp"

#include <caf/actor.hpp>

namespace delta::jobs {

void publish(const protocol::slot_ptr<caf::actor>& events, protocol::job_event event);

}  // namespace delta::jobs
