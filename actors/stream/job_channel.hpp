#pragma once
// Pure: a protocol::job_event (what the jobs engine publishes) as a `jobs`
// stream event whose data is {job_id, kind, status, progress, result?, error?}.

#include "protocol/jobs.hpp"
#include "protocol/stream.hpp"

namespace delta::stream {

protocol::stream_event to_stream_event(const protocol::job_event& job);

}  // namespace delta::stream
