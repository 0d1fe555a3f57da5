#pragma once
// Pure: the LLM component's health from its breakers. An open breaker is
// "degraded" (its fallbacks still answer), never "unhealthy": the node
// serves everything else, so readiness does not depend on providers.

#include "protocol/health.hpp"
#include "protocol/llm.hpp"

#include <optional>

namespace delta::health {

// breakers: nullopt when the gateway did not answer in time.
inline protocol::component_health llm_health(const std::optional<protocol::breaker_list>& breakers) {
  protocol::component_health c;
  c.name = "llm";
  if (!breakers) {
    c.status = "degraded";
    c.message = "LLM gateway did not answer in time";
    return c;
  }
  std::int64_t open = 0, half_open = 0;
  for (auto& b : *breakers) {
    open += b.state == "open";
    half_open += b.state == "half_open";
  }
  c.details = {{"endpoints", static_cast<std::int64_t>(breakers->size())},
               {"open", open},
               {"half_open", half_open}};
  c.status = open + half_open > 0 ? "degraded" : "healthy";
  c.message = open + half_open > 0 ? "some provider endpoints are failing; fallbacks in use" : "ok";
  return c;
}

}  // namespace delta::health
