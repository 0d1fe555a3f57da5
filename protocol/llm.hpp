#pragma once
// Messages and the typed interface of the LLM gateway (issue 4): one call
// through a use case's routing row and fallback chain, the admin view and
// update of routes, fallbacks and evaluators, and the breakers' state.
//
// Provider API keys never travel in a reply: views say only whether a key is
// configured and, for env-var references, the variable's name.

#include "protocol/service_directory.hpp"
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace delta::protocol {

// One gateway call. The use case picks the routing row and chain, the
// max_tokens default, JSON mode and the output check.
struct llm_prompt {
  std::string use_case;  // explain, cohort_match, ... (see llm::use_case)
  std::string system;    // empty: no system prompt
  std::string user;
  std::int32_t max_tokens = 0;  // 0: the route's; else at most this (a token budget)
  std::string request_id;       // for the gateway's log lines
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_prompt& x) {
  return f(caf::meta::type_name("delta.llm_prompt"), x.use_case, x.system, x.user, x.max_tokens,
           x.request_id);
}

// A call to one named endpoint (an evaluator), no fallback: used by the
// signal pipeline, where each evaluator's own answer is the point.
struct llm_direct_prompt {
  std::string evaluator;  // llm_evaluators.name
  llm_prompt prompt;      // prompt.use_case picks the output check
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_direct_prompt& x) {
  return f(caf::meta::type_name("delta.llm_direct_prompt"), x.evaluator, x.prompt);
}

struct llm_answer {
  std::string text;       // validated against the use case's output check
  std::string provider;   // the endpoint that answered
  std::string model;
  std::int64_t latency_ms = 0;   // the answering provider call's own time
  std::int64_t total_ms = 0;     // the whole gateway call: retries, fallbacks, queueing
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  double cost_usd = 0.0;
  std::int32_t attempts = 1;  // provider calls made, the answering one included
  std::int64_t provider_us = 0;  // latency_ms in microseconds (for the gateway's overhead metric)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_answer& x) {
  return f(caf::meta::type_name("delta.llm_answer"), x.text, x.provider, x.model, x.latency_ms,
           x.total_ms, x.prompt_tokens, x.completion_tokens, x.cost_usd, x.attempts, x.provider_us);
}

// An endpoint as routes, fallbacks and evaluators configure it. On reads,
// api_key is never set: api_key_configured says whether one exists.
struct llm_endpoint_config {
  std::string provider;
  std::string model;
  std::string base_url;
  caf::optional<std::string> api_key;      // write only: a literal key, sealed at rest
  caf::optional<std::string> api_key_env;  // the name of an environment variable of deltad
  bool api_key_configured = false;         // read only
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_endpoint_config& x) {
  return f(caf::meta::type_name("delta.llm_endpoint_config"), x.provider, x.model, x.base_url,
           x.api_key, x.api_key_env, x.api_key_configured);
}

struct llm_route_config {
  std::string use_case;
  llm_endpoint_config endpoint;
  std::int32_t max_tokens = 4096;
  double temperature = 0.7;
  std::int32_t timeout_seconds = 120;
  bool json_output = false;
  bool active = true;
  std::string updated_at;  // read only
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_route_config& x) {
  return f(caf::meta::type_name("delta.llm_route_config"), x.use_case, x.endpoint, x.max_tokens,
           x.temperature, x.timeout_seconds, x.json_output, x.active, x.updated_at);
}

struct llm_evaluator_config {
  std::string name;
  llm_endpoint_config endpoint;
  std::int32_t max_tokens = 1024;
  std::int32_t timeout_seconds = 60;
  bool active = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_evaluator_config& x) {
  return f(caf::meta::type_name("delta.llm_evaluator_config"), x.name, x.endpoint, x.max_tokens,
           x.timeout_seconds, x.active);
}

// One provider endpoint's breaker, for the admin route and /health/detailed.
struct breaker_view {
  std::string provider;
  std::string model;
  std::string base_url;
  std::string state;  // closed | open | half_open
  std::int32_t failures = 0;
  std::string opened_at;  // RFC 3339 UTC; empty: never opened
  std::string retry_at;   // RFC 3339 UTC; empty: not open
  std::int32_t in_flight = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, breaker_view& x) {
  return f(caf::meta::type_name("delta.breaker_view"), x.provider, x.model, x.base_url, x.state,
           x.failures, x.opened_at, x.retry_at, x.in_flight);
}

// ---- between the gateway and its breaker entities (one per endpoint) ----

// The answer to gate_admit_atom: a slot and the breaker's permit, or why not.
struct gate_pass {
  bool admitted = false;
  std::uint64_t slot = 0;
  bool probe = false;
  std::uint64_t epoch = 0;
  std::string refusal;  // "open" or "saturated" when not admitted
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gate_pass& x) {
  return f(caf::meta::type_name("delta.gate_pass"), x.admitted, x.slot, x.probe, x.epoch,
           x.refusal);
}

// The outcome of an admitted call (gate_report_atom), sent without a reply.
struct gate_outcome {
  std::uint64_t slot = 0;
  bool probe = false;
  std::uint64_t epoch = 0;
  bool healthy = true;  // counts as a success for the breaker
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gate_outcome& x) {
  return f(caf::meta::type_name("delta.gate_outcome"), x.slot, x.probe, x.epoch, x.healthy);
}

using gate_admit_atom = caf::atom_constant<caf::atom("gateadmit")>;
using gate_report_atom = caf::atom_constant<caf::atom("gatereprt")>;
// Replies with a breaker_view whose state, failures, times and in_flight are set.
using gate_snapshot_atom = caf::atom_constant<caf::atom("gatesnap")>;

using llm_complete_atom = caf::atom_constant<caf::atom("llmcall")>;
using llm_direct_atom = caf::atom_constant<caf::atom("llmdirect")>;
using llm_breakers_atom = caf::atom_constant<caf::atom("llmbrkrs")>;
using llm_get_route_atom = caf::atom_constant<caf::atom("llmgetrt")>;
using llm_put_route_atom = caf::atom_constant<caf::atom("llmputrt")>;
using llm_get_fallbacks_atom = caf::atom_constant<caf::atom("llmgetfb")>;
using llm_put_fallbacks_atom = caf::atom_constant<caf::atom("llmputfb")>;
using llm_get_evaluators_atom = caf::atom_constant<caf::atom("llmgetev")>;
using llm_put_evaluators_atom = caf::atom_constant<caf::atom("llmputev")>;

using llm_endpoint_list = std::vector<llm_endpoint_config>;
using llm_evaluator_list = std::vector<llm_evaluator_config>;
using breaker_list = std::vector<breaker_view>;

// The gateway: completions through a use case's route and fallbacks, or
// straight to one evaluator. Errors: unavailable (every provider failed or
// is open, or the routing table is not loaded yet), not_found (no such use
// case row or evaluator).
using llm_gateway_actor = caf::typed_actor<
    caf::replies_to<llm_complete_atom, llm_prompt>::with<llm_answer>,
    caf::replies_to<llm_direct_atom, llm_direct_prompt>::with<llm_answer>>;

// The LLM admin: routing rows, fallback chains, evaluators (stored, then
// reloaded by this node before the answer) and the breakers' state. Errors:
// not_found (no such use case), invalid (an update that cannot be stored;
// the context names the field), unavailable (the database).
using llm_admin_actor = caf::typed_actor<
    caf::replies_to<llm_breakers_atom>::with<breaker_list>,
    caf::replies_to<llm_get_route_atom, std::string>::with<llm_route_config>,
    caf::replies_to<llm_put_route_atom, llm_route_config>::with<llm_route_config>,
    caf::replies_to<llm_get_fallbacks_atom, std::string>::with<llm_endpoint_list>,
    caf::replies_to<llm_put_fallbacks_atom, std::string, llm_endpoint_list>::with<llm_endpoint_list>,
    caf::replies_to<llm_get_evaluators_atom>::with<llm_evaluator_list>,
    caf::replies_to<llm_put_evaluators_atom, llm_evaluator_list>::with<llm_evaluator_list>>;

// Where the node finds this domain's services (protocol/service_directory.hpp).
inline constexpr service<llm_gateway_actor> llm_service{"llm"};
inline constexpr service<llm_admin_actor> llm_admin_service{"llm_admin"};

}  // namespace delta::protocol
