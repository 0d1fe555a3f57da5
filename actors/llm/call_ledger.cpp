#include "actors/llm/call_ledger.hpp"

#include "actors/runtime/db_calls.hpp"
#include "storage/llm_repository.hpp"
#include "telemetry/json_log.hpp"

#include <caf/all.hpp>

namespace delta::llm {

namespace {

using flush_tick_atom = caf::atom_constant<caf::atom("llmflush")>;
using upkeep_tick_atom = caf::atom_constant<caf::atom("llmupkeep")>;

struct ledger_state {
  static inline const char* name = "delta.llm.call_ledger";
  storage::pg_pool* pool = nullptr;
  ledger_options options;
  accounting ledger{100000};
  runtime::db_calls db;
  bool flushing = false;
};

using ledger_self = caf::stateful_actor<ledger_state>*;

void flush(ledger_self self) {
  auto& st = self->state;
  if (st.flushing || st.ledger.buffered() == 0) return;
  auto rows = st.ledger.take(st.options.flush_batch);
  st.flushing = true;
  st.db.call(self, *st.pool, {storage::llm::insert_calls(rows)}, false,
             [self, rows](storage::pg_reply& reply) mutable {
               auto& st = self->state;
               st.flushing = false;
               if (reply.ok()) {
                 if (st.ledger.buffered() >= st.options.flush_batch) flush(self);
                 return;
               }
               // A row the table refuses would fail every retry of its batch.
               if (reply.error->kind == storage::pg_failure::unavailable) {
                 st.ledger.give_back(std::move(rows));
               } else {
                 telemetry::log_error("llm_calls batch refused", {{"rows", static_cast<std::int64_t>(rows.size())},
                                                                  {"error", reply.error->message}});
               }
             });
}

void upkeep(ledger_self self) {
  auto& st = self->state;
  st.db.call(self, *st.pool,
             {storage::llm::ensure_call_partitions(st.options.partition_days_ahead, 0),
              storage::llm::drop_calls_older_than(st.options.calls_retention_days)},
             false, [](storage::pg_reply& reply) {
               if (!reply.ok()) telemetry::log_warn("llm_calls partition upkeep failed", {{"error", reply.error->message}});
             });
}

caf::behavior call_ledger(ledger_self self, storage::pg_pool* pool, ledger_options options) {
  auto& st = self->state;
  st.pool = pool;
  st.options = options;
  st.ledger = accounting{options.max_buffered_rows};
  upkeep(self);
  self->delayed_send(self, options.flush_interval, flush_tick_atom::value);
  self->delayed_send(self, options.upkeep_interval, upkeep_tick_atom::value);
  return {
      [self](record_call_atom, const attempt_record& record) {
        self->state.ledger.record(record);
        if (self->state.ledger.buffered() >= self->state.options.flush_batch) flush(self);
      },
      [self](flush_tick_atom) {
        flush(self);
        self->delayed_send(self, self->state.options.flush_interval, flush_tick_atom::value);
      },
      [self](upkeep_tick_atom) {
        upkeep(self);
        self->delayed_send(self, self->state.options.upkeep_interval, upkeep_tick_atom::value);
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
  };
}

}  // namespace

caf::actor spawn_call_ledger(caf::local_actor& parent, storage::pg_pool& pool, ledger_options options) {
  return parent.spawn(call_ledger, &pool, options);
}

}  // namespace delta::llm
