#include "actors/stream/job_channel.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace delta::stream {

protocol::stream_event to_stream_event(const protocol::job_event& job) {
  boost::json::object data{{"job_id", job.job_id},
                           {"kind", job.kind},
                           {"status", job.status},
                           {"progress", job.progress}};
  if (job.result) {
    // The result is JSON text; anything else travels as a string.
    boost::system::error_code ec;
    auto parsed = boost::json::parse(*job.result, ec);
    data["result"] = ec ? boost::json::value(*job.result) : std::move(parsed);
  }
  if (job.error) data["error"] = *job.error;
  protocol::stream_event e;
  e.channel = protocol::stream_channel_jobs;
  e.owner_user_id = job.owner;
  e.event_type = job.status;
  e.job_id = job.job_id;
  e.data_json = boost::json::serialize(data);
  return e;
}

}  // namespace delta::stream
