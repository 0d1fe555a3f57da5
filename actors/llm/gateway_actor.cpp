#include "actors/llm/gateway_actor.hpp"

#include "actors/llm/call_ledger.hpp"
#include "actors/llm/call_sequence.hpp"
#include "actors/llm/output_check.hpp"
#include "actors/llm/retry_after.hpp"
#include "actors/llm/routing_table.hpp"
#include "actors/llm/wire_anthropic.hpp"
#include "actors/llm/wire_openai.hpp"
#include "protocol/entity.hpp"
#include "protocol/errors.hpp"
#include "protocol/local_message.hpp"
#include "telemetry/json_log.hpp"

#include <caf/all.hpp>

#include <functional>
#include <random>
#include <unordered_map>

// The HTTP client's outcome reaches the gateway as a message; it never
// leaves the node (the client is in-process).
DELTA_LOCAL_MESSAGE(delta::llm::http_outcome)

namespace delta::llm {

namespace {

using provider_done_atom = caf::atom_constant<caf::atom("llmdone")>;
using resume_atom = caf::atom_constant<caf::atom("llmresume")>;

using gateway_impl = protocol::llm_gateway_actor::extend<
    caf::reacts_to<provider_done_atom, std::uint64_t, std::uint32_t, http_outcome>,
    caf::reacts_to<resume_atom, std::uint64_t, std::uint64_t>>;

using steady = std::chrono::steady_clock;

// What a call needs from its route (or evaluator) for every attempt.
struct call_settings {
  use_case which = use_case::explain;
  int max_tokens = 1024;
  double temperature = 0.0;
  std::chrono::milliseconds timeout{60000};
  bool json_output = false;
  output_rule rule = output_rule::text;
};

struct call_state {
  protocol::llm_prompt prompt;
  table_ptr table;  // keeps `chain` alive
  std::vector<endpoint_target> chain;
  call_settings settings;
  call_sequence sequence;
  caf::typed_response_promise<protocol::llm_answer> promise;
  steady::time_point started;
  // The attempt in progress.
  std::size_t endpoint = 0;
  protocol::gate_pass pass;
  steady::time_point attempt_started;
  std::int64_t attempt_wall_ms = 0;
  std::uint32_t attempt_no = 0;  // matches provider replies to their attempt
  std::uint64_t resume_no = 0;   // matches backoff timers to their step
};

struct gateway_state {
  static inline const char* name = "delta.llm_gateway";
  std::shared_ptr<provider_client> client;
  gateway_links links;
  gateway_options options;
  std::uint64_t next_call = 1;
  std::unordered_map<std::uint64_t, call_state> calls;
  std::mt19937_64 rng{std::random_device{}()};
};

using gateway_self = gateway_impl::stateful_pointer<gateway_state>;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t ms_between(steady::time_point from, steady::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

// A provider's error text may quote the request; never let it carry our key.
std::string redacted(std::string text, const std::string& key) {
  if (key.empty()) return text;
  for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos))
    text.replace(pos, key.size(), "***");
  return text;
}

void step(gateway_self self, std::uint64_t id, call_step s);

// One attempt for llm_calls and the metrics (the ledger writes in batches).
void record(gateway_self self, const attempt_record& r) {
  if (auto ledger = self->state.links.ledger->get()) caf::anon_send(ledger, record_call_atom::value, r);
}

// ---- the end of a call ----

void finish_error(gateway_self self, std::uint64_t id, give_up_reason reason) {
  auto it = self->state.calls.find(id);
  if (it == self->state.calls.end()) return;
  auto& call = it->second;
  // Which endpoints the call could use, so a refusal can be traced to them.
  std::string endpoints;
  for (auto& target : call.chain) endpoints += (endpoints.empty() ? "" : ", ") + target.id.provider + "/" + target.id.model;
  telemetry::log_warn("llm call failed",
                      {{"request_id", call.prompt.request_id},
                       {"use_case", call.prompt.use_case},
                       {"endpoints", endpoints},
                       {"reason", to_string(reason)},
                       {"attempts", static_cast<std::int64_t>(call.sequence.failures().size())},
                       {"skipped", static_cast<std::int64_t>(call.sequence.skipped().size())},
                       {"duration_ms", ms_between(call.started, steady::now())}});
  call.promise.deliver(protocol::make_error(protocol::errc::unavailable, std::string{to_string(reason)}));
  self->state.calls.erase(it);
}

void finish_ok(gateway_self self, std::uint64_t id, completion_result result, const call_cost& cost,
               std::int64_t latency_ms) {
  auto it = self->state.calls.find(id);
  if (it == self->state.calls.end()) return;
  auto& call = it->second;
  auto& target = call.chain[call.endpoint];
  protocol::llm_answer a;
  a.text = std::move(result.text);
  a.provider = target.id.provider;
  a.model = target.id.model;
  a.latency_ms = latency_ms;
  a.total_ms = ms_between(call.started, steady::now());
  a.prompt_tokens = result.prompt_tokens;
  a.completion_tokens = result.completion_tokens;
  a.cost_usd = cost.usd;
  a.attempts = static_cast<std::int32_t>(call.sequence.failures().size() + 1);
  a.provider_us = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - call.attempt_started).count();
  call.promise.deliver(std::move(a));
  self->state.calls.erase(it);
}

// ---- breakers ----

void report_to_gate(gateway_self self, const call_state& call, bool healthy) {
  auto region = self->state.links.breakers->get();
  if (!region) return;  // restarting: its entities are gone, and their slots with them
  protocol::gate_outcome o{call.pass.slot, call.pass.probe, call.pass.epoch, healthy};
  caf::anon_send(region, protocol::entity_atom::value, call.chain[call.endpoint].id.key(),
                 caf::make_message(protocol::gate_report_atom::value, o));
}

void account_skip(gateway_self self, const call_state& call, const std::string& why) {
  attempt_record r;
  r.id = call.chain[call.endpoint].id;
  r.use_case = call.prompt.use_case;
  r.outcome = "breaker_open";
  r.at_unix_ms = wall_ms();
  r.error_kind = why;
  r.called = false;
  record(self, r);
}

void send_to_provider(gateway_self self, std::uint64_t id);

void on_gate(gateway_self self, std::uint64_t id, protocol::gate_pass pass) {
  auto it = self->state.calls.find(id);
  if (it == self->state.calls.end()) return;
  auto& call = it->second;
  if (!pass.admitted) {
    account_skip(self, call, pass.refusal);
    return step(self, id, call.sequence.on_refused(steady::now()));
  }
  call.pass = pass;
  call.sequence.on_admitted();
  send_to_provider(self, id);
}

void ask_gate(gateway_self self, std::uint64_t id) {
  auto& call = self->state.calls.at(id);
  auto region = self->state.links.breakers->get();
  if (!region) return on_gate(self, id, {false, 0, false, 0, "open"});
  self->request(region, caf::infinite, protocol::entity_atom::value, call.chain[call.endpoint].id.key(),
                caf::make_message(protocol::gate_admit_atom::value))
      .then([self, id](const protocol::gate_pass& pass) { on_gate(self, id, pass); },
            [self, id](const caf::error&) { on_gate(self, id, {false, 0, false, 0, "open"}); });
}

void step(gateway_self self, std::uint64_t id, call_step s) {
  if (s.what == call_step::kind::give_up) return finish_error(self, id, s.reason);
  auto& call = self->state.calls.at(id);
  call.endpoint = s.endpoint;
  if (s.delay.count() > 0) {
    self->delayed_send(self, s.delay, resume_atom::value, id, ++call.resume_no);
    return;
  }
  ask_gate(self, id);
}

// ---- provider calls ----

wire_request encode(const call_state& call, const endpoint_target& target) {
  completion_request req;
  req.model = target.id.model;
  req.system = call.prompt.system;
  req.messages.push_back({"user", call.prompt.user});
  req.max_tokens = call.settings.max_tokens;
  req.temperature = call.settings.temperature;
  req.json_output = call.settings.json_output;
  return target.format == wire_format::anthropic
             ? encode_anthropic(req, target.url.path_prefix, target.api_key)
             : encode_openai(req, target.url.path_prefix, target.api_key);
}

void send_to_provider(gateway_self self, std::uint64_t id) {
  auto& call = self->state.calls.at(id);
  auto& target = call.chain[call.endpoint];
  auto now = steady::now();
  call.attempt_started = now;
  call.attempt_wall_ms = wall_ms();
  auto attempt = ++call.attempt_no;
  // The route's timeout, but never past the whole call's deadline.
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      call.started + self->state.options.call_deadline - now);
  auto timeout = std::clamp(left, std::chrono::milliseconds(1), call.settings.timeout);
  auto me = caf::actor_cast<caf::actor>(self);
  self->state.client->post(target.url, encode(call, target), timeout,
                           [me, id, attempt](http_outcome outcome) {
                             caf::anon_send(me, provider_done_atom::value, id, attempt, std::move(outcome));
                           });
}

completion_outcome decode(const endpoint_target& target, http_outcome& outcome) {
  if (auto* failed = std::get_if<transport_failure>(&outcome)) return to_call_failure(*failed);
  auto& r = std::get<http_exchange_result>(outcome);
  std::optional<std::chrono::seconds> retry_after;
  if (r.retry_after) retry_after = parse_retry_after(*r.retry_after, std::chrono::system_clock::now());
  return target.format == wire_format::anthropic ? decode_anthropic(r.status, r.body, retry_after)
                                                 : decode_openai(r.status, r.body, retry_after);
}

// The attempt's llm_calls row and metrics; the tokens of a result count
// even when its output fails the check (the provider billed them).
attempt_record record_of(const call_state& call, std::int64_t latency, const completion_result* result,
                         const call_failure* failure, call_cost cost) {
  attempt_record r;
  r.id = call.chain[call.endpoint].id;
  r.use_case = call.prompt.use_case;
  r.at_unix_ms = call.attempt_wall_ms;
  r.latency_ms = latency;
  if (result) {
    r.prompt_tokens = result->prompt_tokens;
    r.completion_tokens = result->completion_tokens;
    r.cost_usd = cost.usd;
    r.priced = cost.priced;
  }
  r.outcome = failure ? std::string{outcome_of(*failure)} : "ok";
  if (failure) r.error_kind = std::string{to_string(failure->kind)};
  return r;
}

void on_failed_attempt(gateway_self self, std::uint64_t id, const call_failure& failure,
                       std::int64_t latency) {
  auto& call = self->state.calls.at(id);
  auto& target = call.chain[call.endpoint];
  report_to_gate(self, call, !counts_against_breaker(failure));
  telemetry::log_warn("llm provider call failed",
                      {{"request_id", call.prompt.request_id},
                       {"use_case", call.prompt.use_case},
                       {"provider", target.id.provider},
                       {"model", target.id.model},
                       {"kind", to_string(failure.kind)},
                       {"status", static_cast<std::int64_t>(failure.status)},
                       {"latency_ms", latency},
                       {"error", redacted(failure.message, target.api_key)}});
  std::uniform_real_distribution<double> draw{0.0, 1.0};
  step(self, id, call.sequence.on_failure(failure, steady::now(), draw(self->state.rng)));
}

void on_provider_done(gateway_self self, std::uint64_t id, std::uint32_t attempt, http_outcome& outcome) {
  auto it = self->state.calls.find(id);
  if (it == self->state.calls.end() || it->second.attempt_no != attempt) return;
  auto& call = it->second;
  auto& target = call.chain[call.endpoint];
  auto latency = ms_between(call.attempt_started, steady::now());
  auto decoded = decode(target, outcome);
  if (auto* failure = std::get_if<call_failure>(&decoded)) {
    record(self, record_of(call, latency, nullptr, failure, {}));
    return on_failed_attempt(self, id, *failure, latency);
  }
  auto& result = std::get<completion_result>(decoded);
  auto cost = call.table->prices().cost_of(target.id.provider, target.id.model, result.prompt_tokens,
                                           result.completion_tokens);
  if (auto why = check_output(call.settings.rule, result.text)) {
    call_failure invalid{failure_kind::invalid_output, 200, false, std::nullopt,
                         "output failed the " + std::string{to_string(call.settings.rule)} + " check: " + *why};
    record(self, record_of(call, latency, &result, &invalid, cost));
    return on_failed_attempt(self, id, invalid, latency);
  }
  record(self, record_of(call, latency, &result, nullptr, cost));
  report_to_gate(self, call, true);
  finish_ok(self, id, std::move(result), cost, latency);
}

// ---- starting calls ----

caf::error no_route(const std::string& what) {
  return protocol::make_error(protocol::errc::unavailable, "no active LLM route for " + what);
}

void begin(gateway_self self, table_ptr table, protocol::llm_prompt prompt, std::vector<endpoint_target> chain,
           call_settings settings, caf::typed_response_promise<protocol::llm_answer> promise) {
  auto& st = self->state;
  if (st.calls.size() >= st.options.max_calls_in_flight) {
    promise.deliver(protocol::make_error(protocol::errc::unavailable, "too many LLM calls in flight"));
    return;
  }
  auto now = steady::now();
  std::vector<endpoint> ids;
  for (auto& t : chain) ids.push_back(t.id);
  auto id = st.next_call++;
  call_state call{std::move(prompt), std::move(table), std::move(chain), settings,
                  call_sequence{std::move(ids), retry_policy{st.options.retry}, now + st.options.call_deadline},
                  std::move(promise), now, 0, protocol::gate_pass{}, now, 0, 0, 0};
  auto first = call.sequence.start(now);
  st.calls.emplace(id, std::move(call));
  step(self, id, first);
}

void complete_route(gateway_self self, table_ptr table, protocol::llm_prompt prompt,
                    caf::typed_response_promise<protocol::llm_answer> promise) {
  auto which = parse_use_case(prompt.use_case);
  if (!which) {
    promise.deliver(protocol::make_error(protocol::errc::not_found, "unknown use case " + prompt.use_case));
    return;
  }
  auto* plan = table->route(*which);
  if (!plan) {
    promise.deliver(no_route(prompt.use_case));
    return;
  }
  call_settings s{*which,
                  prompt.max_tokens > 0 ? std::min(prompt.max_tokens, plan->max_tokens) : plan->max_tokens,
                  plan->temperature,
                  std::chrono::duration_cast<std::chrono::milliseconds>(plan->timeout),
                  plan->json_output,
                  output_rule_for(*which, plan->json_output)};
  auto chain = plan->chain;
  begin(self, std::move(table), std::move(prompt), std::move(chain), s, std::move(promise));
}

void complete_direct(gateway_self self, table_ptr table, protocol::llm_direct_prompt direct,
                     caf::typed_response_promise<protocol::llm_answer> promise) {
  auto which = parse_use_case(direct.prompt.use_case);
  auto* e = table->evaluator(direct.evaluator);
  if (!which || !e) {
    promise.deliver(protocol::make_error(protocol::errc::not_found, "no active evaluator " + direct.evaluator));
    return;
  }
  auto budget = direct.prompt.max_tokens;
  call_settings s{*which,
                  budget > 0 ? std::min(budget, e->max_tokens) : e->max_tokens,
                  0.0,
                  std::chrono::duration_cast<std::chrono::milliseconds>(e->timeout),
                  true,
                  output_rule_for(*which, true)};
  std::vector<endpoint_target> chain{e->target};
  begin(self, std::move(table), std::move(direct.prompt), std::move(chain), s, std::move(promise));
}

// Runs `work` with the routing table now if one is loaded, else after the
// loader's next load; without a table after it, the call is answered 503.
template <class F>
void with_table(gateway_self self, caf::typed_response_promise<protocol::llm_answer> promise, F work) {
  if (auto table = self->state.links.table->get()) return work(std::move(table));
  auto loader = self->state.links.loader->get();
  auto not_loaded = [promise]() mutable {
    promise.deliver(protocol::make_error(protocol::errc::unavailable, "LLM routing table not loaded"));
  };
  if (!loader) return not_loaded();
  self->request(loader, self->state.options.call_deadline, await_table_atom::value)
      .then(
          [self, work, not_loaded](bool) mutable {
            if (auto table = self->state.links.table->get()) return work(std::move(table));
            not_loaded();
          },
          [not_loaded](const caf::error&) mutable { not_loaded(); });
}

gateway_impl::behavior_type gateway(gateway_self self, std::shared_ptr<provider_client> client, gateway_links links,
                                    gateway_options options) {
  auto& st = self->state;
  st.client = std::move(client);
  st.links = std::move(links);
  st.options = options;
  return {
      [self](protocol::llm_complete_atom, protocol::llm_prompt& prompt) -> caf::result<protocol::llm_answer> {
        auto promise = self->make_response_promise<protocol::llm_answer>();
        with_table(self, promise, [self, prompt = std::move(prompt), promise](table_ptr table) mutable {
          complete_route(self, std::move(table), std::move(prompt), std::move(promise));
        });
        return promise;
      },
      [self](protocol::llm_direct_atom, protocol::llm_direct_prompt& direct) -> caf::result<protocol::llm_answer> {
        auto promise = self->make_response_promise<protocol::llm_answer>();
        with_table(self, promise, [self, direct = std::move(direct), promise](table_ptr table) mutable {
          complete_direct(self, std::move(table), std::move(direct), std::move(promise));
        });
        return promise;
      },
      [self](provider_done_atom, std::uint64_t id, std::uint32_t attempt, http_outcome& outcome) {
        on_provider_done(self, id, attempt, outcome);
      },
      [self](resume_atom, std::uint64_t id, std::uint64_t resume_no) {
        auto it = self->state.calls.find(id);
        if (it != self->state.calls.end() && it->second.resume_no == resume_no) ask_gate(self, id);
      },
  };
}

}  // namespace

protocol::llm_gateway_actor spawn_gateway(caf::local_actor& parent, std::shared_ptr<provider_client> client,
                                          gateway_links links, gateway_options options) {
  return parent.spawn(gateway, std::move(client), std::move(links), options);
}

}  // namespace delta::llm
