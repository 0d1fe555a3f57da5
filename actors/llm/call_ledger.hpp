#pragma once
// The accounting writer under the llm supervisor: every provider attempt the
// gateway records (fallbacks and breaker skips included) updates the metrics
// at once and becomes an llm_calls row, written in batches (one INSERT per
// flush_interval or flush_batch rows, never a write per call); it also keeps
// llm_calls' daily partitions: created ahead, dropped past the retention.

#include "actors/llm/accounting.hpp"

#include "protocol/local_message.hpp"
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstddef>

namespace delta::storage {
class pg_pool;
}

namespace delta::llm {

struct ledger_options {
  std::chrono::milliseconds flush_interval{250};  // batches
  std::size_t flush_batch = 1000;                 // rows per INSERT at most
  std::size_t max_buffered_rows = 100000;         // beyond: rows are dropped and counted
  int calls_retention_days = 30;                  // llm_calls partitions older are dropped
  int partition_days_ahead = 3;
  std::chrono::milliseconds upkeep_interval{std::chrono::hours(1)};
};

// (record_call_atom, attempt_record): one attempt, no reply. Local only: the
// gateway and its ledger are on the same node.
using record_call_atom = caf::atom_constant<caf::atom("llmrecord")>;

caf::actor spawn_call_ledger(caf::local_actor& parent, storage::pg_pool& pool, ledger_options options);

}  // namespace delta::llm

DELTA_LOCAL_MESSAGE(delta::llm::attempt_record)
