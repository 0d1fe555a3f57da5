#include "actors/ratelimit/bucket_actor.hpp"

#include "actors/ratelimit/bucket.hpp"

#include <caf/all.hpp>

namespace delta::ratelimit {

namespace {

struct bucket_state {
  static inline const char* name = "delta.bucket";
  bucket cell;
};

caf::behavior bucket_actor(caf::stateful_actor<bucket_state>* self) {
  return {
      [self](protocol::admit_atom, const protocol::admit_request& request) {
        return self->state.cell.admit(request, clock::now());
      },
      [self](runtime::passivate_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_bucket_region(caf::local_actor& parent, std::string name,
                               std::chrono::milliseconds idle_timeout) {
  runtime::region_spec spec;
  spec.name = std::move(name);
  spec.idle_timeout = idle_timeout;
  spec.spawn_entity = [](caf::local_actor& region, const std::string&) {
    return region.spawn(bucket_actor);
  };
  return runtime::spawn_region(parent, std::move(spec));
}

}  // namespace delta::ratelimit
