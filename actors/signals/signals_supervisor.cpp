// The signals supervisor: its children in start order (see pipeline.hpp for
// what each does).
#include "actors/signals/signals_supervisor.hpp"

#include "actors/runtime/published_child.hpp"

namespace delta::signals {

runtime::supervisor_spec signals_supervisor(storage::pg_pool& pool, signals_options options, signals_handles h) {
  using runtime::published;
  auto p = &pool;
  options.writer = h.writer;
  auto api = published("api", h.api, [p, options, h](caf::local_actor& sup) {
    return spawn_signals_api(sup, *p, options, h);
  });
  if (!options.process) return {"signals", {api}};  // an ingest-only node: the room stays 0
  return {"signals",
          {published("writer", h.writer,
                     [p, options](caf::local_actor& sup) { return spawn_stage_writer(sup, *p, options); }),
           published("enrich", h.enrich, [p, options](caf::local_actor& sup) { return spawn_enrich_stage(sup, *p, options); }),
           published("evaluate", h.evaluate,
                     [p, options](caf::local_actor& sup) { return spawn_evaluate_stage(sup, *p, options); }),
           published("publish", h.publish,
                     [p, options](caf::local_actor& sup) { return spawn_publish_stage(sup, *p, options); }),
           published("pipeline", h.pipeline,
                     [p, options, h](caf::local_actor& sup) { return spawn_pipeline(sup, *p, options, h); }),
           api}};
}

}  // namespace delta::signals
