#pragma once
// The LLM gateway actor (issue 4): routes each call of a use case through its
// routing row and fallback chain, asking each endpoint's breaker entity
// before calling it, retrying only what retry_policy allows, validating the
// output, and accounting every provider call (llm_calls + metrics).
//
// Every decision is made by the pure core (call_sequence, output_check,
// routing_table); this actor only carries out the steps: messages to breaker
// entities, posts to the provider_client (its own I/O thread), timers for
// backoff, and PostgreSQL through db_calls. Nothing here blocks.
//
// Routing, fallbacks, evaluators and prices are reloaded when their config
// version changes (polled every `reload_interval`) and at once after an
// admin change made through this actor. A call keeps the table it started with.

#include "actors/llm/provider_client.hpp"
#include "actors/llm/retry_policy.hpp"
#include "protocol/actor_slot.hpp"
#include "protocol/llm.hpp"
#include "storage/pg_pool.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace delta::llm {

struct gateway_options {
  retry_config retry;
  // Bounds a whole gateway call: retries, backoff and fallbacks included
  // (each provider call also has its route's own timeout).
  std::chrono::milliseconds call_deadline{std::chrono::seconds(60)};
  std::chrono::milliseconds reload_interval{std::chrono::seconds(1)};
  std::chrono::milliseconds flush_interval{250};  // accounting batches
  std::size_t flush_batch = 1000;                  // rows per INSERT at most
  std::size_t max_buffered_rows = 100000;          // beyond: rows are dropped and counted
  int calls_retention_days = 30;                   // llm_calls partitions older are dropped
  int partition_days_ahead = 3;
  std::chrono::milliseconds upkeep_interval{std::chrono::hours(1)};
  std::size_t max_calls_in_flight = 10000;  // beyond: 503 at once
  // Seals literal provider keys from the admin API (key_vault.hpp); empty:
  // literal keys are refused and only api_key_env references work.
  std::string key_encryption_key_hex;
};

// `breakers` is the slot of the breaker entity region (spawn_breaker_region).
protocol::llm_gateway_actor spawn_gateway(caf::local_actor& parent, storage::pg_pool& pool,
                                          std::shared_ptr<provider_client> client,
                                          protocol::slot_ptr<caf::actor> breakers,
                                          gateway_options options);

}  // namespace delta::llm
