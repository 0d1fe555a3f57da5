#pragma once
// Pure: who may see a job — GET and DELETE /api/v2/jobs/{job_id} and the
// live stream's jobs channel alike: its owner and admins. For anyone else
// the job does not exist (404 / a not_found error), as for an unknown id.

#include "protocol/auth.hpp"
#include "protocol/jobs.hpp"

namespace delta::http {

inline bool may_see_job(const protocol::job_view& job, const protocol::principal& who) {
  return who.role == "admin" || (!job.owner.empty() && job.owner == who.user_id);
}

}  // namespace delta::http
