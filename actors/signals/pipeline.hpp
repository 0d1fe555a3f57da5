#pragma once
// The signal pipeline of one node (issue 6), under the `signals` supervisor:
//
//   signals supervisor
//   ├── enrich    candles -> the profile's features and quality flags -> enriched_events
//   ├── evaluate  every active evaluator (or the event's `models`) in parallel
//   │             through the LLM gateway -> model_decisions
//   ├── publish   one `decisions` stream event per decision -> published
//   ├── writer    group commit of the stages' outputs across events
//   ├── pipeline  the driver: claims due events from PostgreSQL (at start and
//   │             every poll interval, leased, FOR UPDATE SKIP LOCKED), hands
//   │             each to its next stage, and on a failure schedules the retry
//   │             (backoff) or buries the event in the dead-letter queue
//   └── api       ingest with group commit (protocol::signals_actor) and reads
//
// The database is the truth: every stage writes its output and the event's
// new status in one transaction (shared with other events' stages by the
// writer); fresh events are handed from the API to the driver in memory
// (leased at insert), anything else is found by the claim. The driver renews
// the leases of the events it holds, so a lease can be short: a crashed
// node's events are taken over by the next claim once their lease runs out.

#include "actors/runtime/supervisor.hpp"
#include "actors/signals/event_state.hpp"
#include "actors/signals/features.hpp"
#include "protocol/actor_slot.hpp"
#include "protocol/llm.hpp"
#include "protocol/signals.hpp"
#include "storage/pg_types.hpp"
#include "actors/signals/local_messages.hpp"
#include "storage/signal_repository.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

namespace delta::storage {
class pg_pool;
}

namespace delta::signals {

struct signals_options {
  retry_settings retry;
  bool process = true;             // false: this node only ingests; other nodes run the pipeline
  int concurrency = 256;           // events the driver works on at once
  int evaluations_in_flight = 64;  // events the evaluate stage has at the gateway at once
  int batch_max = 512;             // rows of one group-commit INSERT (events per stage-write commit)
  int batches_in_flight = 2;       // group commits running at once: ingest INSERTs, and the stage writer's
  std::chrono::milliseconds lease{std::chrono::seconds(30)};  // renewed every third of it
  std::chrono::milliseconds poll_interval{1000};
  feature_options features;
  std::int64_t bars = 200;         // 1-minute bars the enrich stage reads
  std::chrono::milliseconds bars_ttl{std::chrono::seconds(5)};  // how long enrich reuses a symbol's bars
  protocol::slot_ptr<protocol::llm_gateway_actor> llm;
  protocol::slot_ptr<protocol::llm_admin_actor> llm_admin;  // the evaluators' list
  protocol::slot_ptr<caf::actor> stream;  // the live stream's hub; may hold nothing
  protocol::slot_ptr<caf::actor> writer;  // set by signals_supervisor
};

struct signals_handles {
  protocol::slot_ptr<protocol::signals_actor> api = std::make_shared<protocol::actor_slot<protocol::signals_actor>>();
  protocol::slot_ptr<caf::actor> pipeline = std::make_shared<protocol::actor_slot<caf::actor>>();
  protocol::slot_ptr<caf::actor> enrich = std::make_shared<protocol::actor_slot<caf::actor>>();
  protocol::slot_ptr<caf::actor> evaluate = std::make_shared<protocol::actor_slot<caf::actor>>();
  protocol::slot_ptr<caf::actor> publish = std::make_shared<protocol::actor_slot<caf::actor>>();
  protocol::slot_ptr<caf::actor> writer = std::make_shared<protocol::actor_slot<caf::actor>>();
  // How many more events the driver would take now (it writes, the API
  // reads): ingest leases and hands over only that many of a batch and
  // leaves the rest to the claim, so a burst costs no extra writes.
  std::shared_ptr<std::atomic<int>> room = std::make_shared<std::atomic<int>>(0);
};

runtime::supervisor_spec signals_supervisor(storage::pg_pool& pool, signals_options options, signals_handles handles);

// Drains this node's pipeline (drain_atom) and waits for the answer: the
// number of leases released, 0 without a pipeline, -1 if it did not answer.
std::int64_t drain_signals(caf::actor_system& system, const signals_handles& handles,
                           std::chrono::milliseconds timeout);

caf::actor spawn_enrich_stage(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options);
caf::actor spawn_evaluate_stage(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options);
caf::actor spawn_publish_stage(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options);
caf::actor spawn_stage_writer(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options);
caf::actor spawn_pipeline(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options,
                          signals_handles handles);
protocol::signals_actor spawn_signals_api(caf::local_actor& parent, storage::pg_pool& pool,
                                          const signals_options& options, const signals_handles& handles);

}  // namespace delta::signals
