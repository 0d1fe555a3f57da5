#pragma once
// One breaker entity actor per provider endpoint (provider|base_url|model),
// in an entity region: it owns the endpoint's endpoint_gate (circuit breaker
// + concurrency cap) and answers the gateway's admissions in mailbox order,
// so every node's calls to that endpoint see one breaker.

#include "actors/llm/endpoint_gate.hpp"

#include <caf/fwd.hpp>

namespace delta::llm {

// `cfg` applies to every endpoint. The region passivates an idle entity
// only after `idle_timeout`, which the caller keeps above the cooldown and
// the slot timeout so passivation cannot forget an open breaker or a call
// in flight that matters.
caf::actor spawn_breaker_region(caf::local_actor& parent, gate_config cfg,
                                std::chrono::milliseconds idle_timeout);

}  // namespace delta::llm
