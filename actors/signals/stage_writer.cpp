// The pipeline's stage writer: group commit for stage outputs. Stages of
// many events hand in what they wrote (storage::signals::stage_writes); each
// transaction stores everything queued, so a busy pipeline costs a few
// commits per batch of events instead of one per stage per event. A stage
// is answered only after its rows are committed.
//
// One unit that cannot be stored (a constraint, a bad value) must not fail
// the units it was batched with: a failed batch of several is committed
// again unit by unit, and only the failing unit is answered with the error.
#include "actors/runtime/commit_batcher.hpp"
#include "actors/runtime/db_calls.hpp"
#include "actors/signals/pipeline.hpp"

#include <caf/all.hpp>

namespace delta::signals {

namespace {

using storage::signals::stage_writes;

struct unit {
  stage_writes writes;
  caf::response_promise rp;
};

struct writer_state {
  static inline const char* name = "delta.signals.writer";
  storage::pg_pool* pool = nullptr;
  runtime::db_calls db;
  runtime::commit_batcher<unit> batcher{256, 2};
};

using writer_self = caf::stateful_actor<writer_state>*;

void commit_alone(writer_self self, unit u) {
  auto steps = storage::signals::write_batch(u.writes);
  self->state.db.call(self, *self->state.pool, std::move(steps), true,
                      [rp = u.rp](storage::pg_reply& reply) mutable {
                        if (reply.ok()) rp.deliver(true, std::string{});
                        else rp.deliver(false, db_failure(reply));
                      });
}

void flush(writer_self self) {
  auto& st = self->state;
  for (auto next = st.batcher.next(); !next.empty(); next = st.batcher.next()) {
    auto batch = std::make_shared<std::vector<unit>>(std::move(next));
    stage_writes merged;
    for (auto& u : *batch) {
      auto copy = u.writes;  // the unit keeps its own rows for a retry alone
      merged.absorb(std::move(copy));
    }
    st.db.call(self, *st.pool, storage::signals::write_batch(merged), true, [self, batch](storage::pg_reply& reply) {
      self->state.batcher.finished();
      if (reply.ok()) {
        for (auto& u : *batch) u.rp.deliver(true, std::string{});
      } else if (batch->size() == 1 || reply.error->kind == storage::pg_failure::unavailable) {
        for (auto& u : *batch) u.rp.deliver(false, db_failure(reply));
      } else {
        for (auto& u : *batch) commit_alone(self, std::move(u));
      }
      flush(self);
    });
  }
}

caf::behavior writer(writer_self self, storage::pg_pool* pool, std::size_t batch_max, int in_flight) {
  self->state.pool = pool;
  self->state.batcher = {batch_max, in_flight};
  return {
      [self](stage_write_atom, stage_writes& writes) {
        auto rp = self->make_response_promise();
        self->state.batcher.push({std::move(writes), rp});
        flush(self);
        return rp;
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
  };
}

}  // namespace

caf::actor spawn_stage_writer(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options) {
  return parent.spawn(writer, &pool, static_cast<std::size_t>(std::max(1, options.batch_max)),
                      options.batches_in_flight);
}

}  // namespace delta::signals
