#pragma once
// The LLM gateway actor (issue 4): routes each call of a use case through its
// routing row and fallback chain, asking each endpoint's breaker entity
// before calling it, retrying only what retry_policy allows, validating the
// output, and accounting every provider call (llm_calls + metrics).
//
// Every decision is made by the pure core (call_sequence, output_check,
// routing_table); this actor only carries out the steps: messages to breaker
// entities, posts to the provider_client (its own I/O thread), timers for
// backoff, and attempt records to the call ledger. Nothing here blocks.
//
// Its neighbours under the llm supervisor: the routing loader publishes the
// table it reads per call (a call keeps the table it started with), the call
// ledger writes llm_calls, the admin actor changes routes and reports breakers.

#include "actors/llm/provider_client.hpp"
#include "actors/llm/retry_policy.hpp"
#include "actors/llm/routing_loader.hpp"
#include "protocol/actor_slot.hpp"
#include "protocol/llm.hpp"

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
  std::size_t max_calls_in_flight = 10000;  // beyond: 503 at once
};

// Where the gateway finds its neighbours (their supervisor keeps the slots current).
struct gateway_links {
  table_slot table;                         // the loaded routing table
  protocol::slot_ptr<caf::actor> loader;    // routing_loader: await the first table
  protocol::slot_ptr<caf::actor> breakers;  // the breaker entity region
  protocol::slot_ptr<caf::actor> ledger;    // call_ledger: attempt records
};

protocol::llm_gateway_actor spawn_gateway(caf::local_actor& parent, std::shared_ptr<provider_client> client,
                                          gateway_links links, gateway_options options);

}  // namespace delta::llm
