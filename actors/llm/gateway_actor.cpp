#include "actors/llm/gateway_actor.hpp"

#include "actors/llm/accounting.hpp"
#include "actors/llm/call_sequence.hpp"
#include "actors/llm/gateway_admin.hpp"
#include "actors/llm/key_vault.hpp"
#include "actors/llm/output_check.hpp"
#include "actors/llm/retry_after.hpp"
#include "actors/llm/routing_table.hpp"
#include "actors/llm/wire_anthropic.hpp"
#include "actors/llm/wire_openai.hpp"
#include "actors/runtime/db_calls.hpp"
#include "protocol/entity.hpp"
#include "protocol/errors.hpp"
#include "storage/llm_repository.hpp"
#include "telemetry/json_log.hpp"

#include <caf/all.hpp>

#include <cstdlib>
#include <functional>
#include <random>
#include <unordered_map>

// The HTTP client's outcome reaches the gateway as a message; it never
// leaves the node (the client is in-process).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(delta::llm::http_outcome)

namespace delta::llm {

namespace {

using provider_done_atom = caf::atom_constant<caf::atom("llmdone")>;
using resume_atom = caf::atom_constant<caf::atom("llmresume")>;
using reload_tick_atom = caf::atom_constant<caf::atom("llmreload")>;
using flush_tick_atom = caf::atom_constant<caf::atom("llmflush")>;
using upkeep_tick_atom = caf::atom_constant<caf::atom("llmupkeep")>;

using gateway_impl = protocol::llm_gateway_actor::extend<
    caf::reacts_to<runtime::db_reply_atom, std::uint64_t, storage::pg_reply>,
    caf::reacts_to<provider_done_atom, std::uint64_t, std::uint32_t, http_outcome>,
    caf::reacts_to<resume_atom, std::uint64_t, std::uint64_t>,
    caf::reacts_to<reload_tick_atom>, caf::reacts_to<flush_tick_atom>,
    caf::reacts_to<upkeep_tick_atom>>;

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
  std::shared_ptr<const routing_table> table;  // keeps `chain` alive
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
  storage::pg_pool* pool = nullptr;
  std::shared_ptr<provider_client> client;
  protocol::slot_ptr<caf::actor> breakers;
  gateway_options options;
  runtime::db_calls db;
  std::shared_ptr<const routing_table> table;
  std::int64_t loaded_version = -1;
  bool reloading = false;
  bool reload_again = false;
  std::vector<std::function<void()>> after_next_load;  // admin changes waiting to answer
  // Calls that came before the first load; run with false if it failed.
  std::vector<std::function<void(bool loaded)>> waiting_for_table;
  std::uint64_t next_call = 1;
  std::unordered_map<std::uint64_t, call_state> calls;
  accounting ledger{100000};
  key_vault vault;
  bool flushing = false;
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
  auto region = self->state.breakers->get();
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
  self->state.ledger.record(r);
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
  auto region = self->state.breakers->get();
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
    self->state.ledger.record(record_of(call, latency, nullptr, failure, {}));
    return on_failed_attempt(self, id, *failure, latency);
  }
  auto& result = std::get<completion_result>(decoded);
  auto cost = call.table->prices().cost_of(target.id.provider, target.id.model, result.prompt_tokens,
                                           result.completion_tokens);
  if (auto why = check_output(call.settings.rule, result.text)) {
    call_failure invalid{failure_kind::invalid_output, 200, false, std::nullopt,
                         "output failed the " + std::string{to_string(call.settings.rule)} + " check: " + *why};
    self->state.ledger.record(record_of(call, latency, &result, &invalid, cost));
    return on_failed_attempt(self, id, invalid, latency);
  }
  self->state.ledger.record(record_of(call, latency, &result, nullptr, cost));
  report_to_gate(self, call, true);
  finish_ok(self, id, std::move(result), cost, latency);
}

// ---- starting calls ----

caf::error no_route(const std::string& what) {
  return protocol::make_error(protocol::errc::unavailable, "no active LLM route for " + what);
}

void begin(gateway_self self, protocol::llm_prompt prompt, std::vector<endpoint_target> chain,
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
  call_state call{std::move(prompt), st.table, std::move(chain), settings,
                  call_sequence{std::move(ids), retry_policy{st.options.retry}, now + st.options.call_deadline},
                  std::move(promise), now, 0, protocol::gate_pass{}, now, 0, 0, 0};
  auto first = call.sequence.start(now);
  st.calls.emplace(id, std::move(call));
  step(self, id, first);
}

void complete_route(gateway_self self, protocol::llm_prompt prompt,
                    caf::typed_response_promise<protocol::llm_answer> promise) {
  auto which = parse_use_case(prompt.use_case);
  if (!which) {
    promise.deliver(protocol::make_error(protocol::errc::not_found, "unknown use case " + prompt.use_case));
    return;
  }
  auto* plan = self->state.table->route(*which);
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
  begin(self, std::move(prompt), plan->chain, s, std::move(promise));
}

void complete_direct(gateway_self self, protocol::llm_direct_prompt direct,
                     caf::typed_response_promise<protocol::llm_answer> promise) {
  auto which = parse_use_case(direct.prompt.use_case);
  auto* e = self->state.table->evaluator(direct.evaluator);
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
  begin(self, std::move(direct.prompt), {e->target}, s, std::move(promise));
}

// Runs `work` now if the routing table is loaded, else after the first
// load; if that fails, the call is answered 503 at once.
template <class F>
void with_table(gateway_self self, caf::typed_response_promise<protocol::llm_answer> promise, F work) {
  if (self->state.table) return work();
  self->state.waiting_for_table.emplace_back([promise, work = std::move(work)](bool loaded) mutable {
    if (loaded) return work();
    promise.deliver(protocol::make_error(protocol::errc::unavailable, "LLM routing table not loaded"));
  });
}

// ---- reloading the routing table ----

std::string key_of(const key_vault& vault, const std::string& env, const std::string& sealed) {
  if (!sealed.empty()) return vault.open(sealed).value_or("");
  const char* v = std::getenv(env.c_str());
  return v ? v : "";
}

// One load at a time: the config version and every row in one transaction,
// so the table and its version match. `then` callbacks (admin changes
// waiting to answer) run after a load that started after they were queued,
// so a PUT answers only once this node uses what it stored.
void start_load(gateway_self self) {
  auto& st = self->state;
  st.reloading = true;
  auto waiting = std::make_shared<std::vector<std::function<void()>>>(std::move(st.after_next_load));
  st.after_next_load.clear();
  st.db.call(self, *st.pool,
             {storage::llm::version(), storage::llm::active_routes(), storage::llm::all_fallbacks(),
              storage::llm::evaluators(), storage::llm::prices()},
             true, [self, waiting](storage::pg_reply& reply) {
               auto& st = self->state;
               st.reloading = false;
               if (!reply.ok()) {
                 telemetry::log_warn("cannot load the LLM routing table", {{"error", reply.error->message}});
                 if (!st.table) {
                   auto first_calls = std::move(st.waiting_for_table);
                   st.waiting_for_table.clear();
                   for (auto& w : first_calls) w(false);
                 }
               } else {
                 auto version = storage::llm::to_version(reply.results.at(0)).version;
                 routing_table::rows rows{storage::llm::to_routes(reply.results.at(1)),
                                          storage::llm::to_fallbacks(reply.results.at(2)),
                                          storage::llm::to_evaluators(reply.results.at(3)),
                                          storage::llm::to_prices(reply.results.at(4))};
                 st.table = routing_table::build(rows, [self](const std::string& env, const std::string& sealed) {
                   return key_of(self->state.vault, env, sealed);
                 });
                 st.loaded_version = version;
                 for (auto& p : st.table->problems()) telemetry::log_warn("LLM routing row skipped", {{"problem", p}});
                 telemetry::log_info("LLM routing table loaded",
                                     {{"version", version},
                                      {"endpoints", static_cast<std::int64_t>(st.table->endpoints().size())}});
                 auto first_calls = std::move(st.waiting_for_table);
                 st.waiting_for_table.clear();
                 for (auto& w : first_calls) w(true);
               }
               for (auto& then : *waiting) then();
               if (st.reload_again) {
                 st.reload_again = false;
                 start_load(self);
               }
             });
}

// Loads now (or right after the load in progress), then runs `then`.
void reload(gateway_self self, std::function<void()> then) {
  auto& st = self->state;
  if (then) st.after_next_load.push_back(std::move(then));
  if (st.reloading) st.reload_again = true;
  else start_load(self);
}

// The periodic poll: a cheap version read; a full load only on a change
// (another node's admin change, or an edit made in SQL).
void check_version(gateway_self self) {
  auto& st = self->state;
  if (st.reloading) return;
  st.db.call(self, *st.pool, {storage::llm::version()}, false, [self](storage::pg_reply& reply) {
    auto& st = self->state;
    if (!reply.ok() || st.reloading) return;
    if (storage::llm::to_version(reply.results.at(0)).version != st.loaded_version) reload(self, nullptr);
  });
}

// ---- accounting and partition upkeep ----

void flush(gateway_self self) {
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
                 telemetry::log_error("llm_calls batch refused",
                                      {{"rows", static_cast<std::int64_t>(rows.size())},
                                       {"error", reply.error->message}});
               }
             });
}

void upkeep(gateway_self self) {
  auto& st = self->state;
  st.db.call(self, *st.pool,
             {storage::llm::ensure_call_partitions(st.options.partition_days_ahead, 0),
              storage::llm::drop_calls_older_than(st.options.calls_retention_days)},
             false, [](storage::pg_reply& reply) {
               if (!reply.ok())
                 telemetry::log_warn("llm_calls partition upkeep failed", {{"error", reply.error->message}});
             });
}

// ---- admin ----

caf::error invalid(const config_problem& p) {
  return protocol::make_validation_error(p.field, p.problem);
}

template <class T, class Convert>
void db_answer(gateway_self self, std::vector<storage::pg_statement> steps, bool transaction,
               caf::typed_response_promise<T> promise, Convert convert, bool reload_after) {
  self->state.db.call(self, *self->state.pool, std::move(steps), transaction,
                      [self, promise, convert, reload_after](storage::pg_reply& reply) mutable {
                        if (!reply.ok()) {
                          // The server's text stays in the log: it may name columns.
                          telemetry::log_warn("llm config change failed", {{"error", reply.error->message}});
                          auto code = reply.error->kind == storage::pg_failure::constraint
                                          ? protocol::errc::invalid
                                          : protocol::errc::unavailable;
                          promise.deliver(protocol::make_error(code));
                          return;
                        }
                        if (!reload_after) return convert(reply, promise);
                        auto stored = std::make_shared<storage::pg_reply>(std::move(reply));
                        reload(self, [stored, promise, convert]() mutable { convert(*stored, promise); });
                      });
}

void breakers(gateway_self self, caf::typed_response_promise<protocol::breaker_list> promise) {
  auto region = self->state.breakers->get();
  auto endpoints = self->state.table ? self->state.table->endpoints() : std::vector<endpoint>{};
  if (endpoints.empty() || !region) {
    promise.deliver(protocol::breaker_list{});
    return;
  }
  auto views = std::make_shared<protocol::breaker_list>(endpoints.size());
  auto left = std::make_shared<std::size_t>(endpoints.size());
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    auto& e = endpoints[i];
    auto done = [views, left, promise, i, e](protocol::breaker_view v) mutable {
      v.provider = e.provider;
      v.model = e.model;
      v.base_url = e.base_url;
      (*views)[i] = std::move(v);
      if (--*left == 0) promise.deliver(std::move(*views));
    };
    self->request(region, caf::infinite, protocol::entity_atom::value, e.key(),
                  caf::make_message(protocol::gate_snapshot_atom::value))
        .then([done](const protocol::breaker_view& v) mutable { done(v); },
              [done](const caf::error&) mutable {
                protocol::breaker_view unknown;
                unknown.state = "unknown";
                done(unknown);
              });
  }
}

gateway_impl::behavior_type gateway(gateway_self self, storage::pg_pool* pool,
                                    std::shared_ptr<provider_client> client,
                                    protocol::slot_ptr<caf::actor> breakers_slot, gateway_options options) {
  auto& st = self->state;
  st.pool = pool;
  st.client = std::move(client);
  st.breakers = std::move(breakers_slot);
  st.options = options;
  st.ledger = accounting{options.max_buffered_rows};
  // deltad checked the format at start-up; a bad value here leaves the vault unconfigured.
  st.vault = key_vault::from_hex(options.key_encryption_key_hex).value_or(key_vault{});
  reload(self, nullptr);
  upkeep(self);
  self->delayed_send(self, options.reload_interval, reload_tick_atom::value);
  self->delayed_send(self, options.flush_interval, flush_tick_atom::value);
  self->delayed_send(self, options.upkeep_interval, upkeep_tick_atom::value);
  return {
      [self](protocol::llm_complete_atom, protocol::llm_prompt& prompt) -> caf::result<protocol::llm_answer> {
        auto promise = self->make_response_promise<protocol::llm_answer>();
        with_table(self, promise, [self, prompt = std::move(prompt), promise]() mutable {
          complete_route(self, std::move(prompt), std::move(promise));
        });
        return promise;
      },
      [self](protocol::llm_direct_atom, protocol::llm_direct_prompt& direct) -> caf::result<protocol::llm_answer> {
        auto promise = self->make_response_promise<protocol::llm_answer>();
        with_table(self, promise, [self, direct = std::move(direct), promise]() mutable {
          complete_direct(self, std::move(direct), std::move(promise));
        });
        return promise;
      },
      [self](protocol::llm_breakers_atom) -> caf::result<protocol::breaker_list> {
        auto promise = self->make_response_promise<protocol::breaker_list>();
        breakers(self, promise);
        return promise;
      },
      [self](protocol::llm_get_route_atom, const std::string& uc) -> caf::result<protocol::llm_route_config> {
        if (!parse_use_case(uc)) return protocol::make_error(protocol::errc::not_found, "use case");
        auto promise = self->make_response_promise<protocol::llm_route_config>();
        db_answer(self, {storage::llm::route(uc)}, false, promise,
                  [](storage::pg_reply& reply, auto& p) {
                    auto& rows = reply.results.at(0).rows;
                    if (rows.empty()) return void(p.deliver(protocol::make_error(protocol::errc::not_found)));
                    p.deliver(to_view(storage::llm::to_route(rows.at(0))));
                  },
                  false);
        return promise;
      },
      [self](protocol::llm_put_route_atom, protocol::llm_route_config& r) -> caf::result<protocol::llm_route_config> {
        if (!parse_use_case(r.use_case)) return protocol::make_error(protocol::errc::not_found, "use case");
        if (auto p = check_route(r, self->state.vault)) return invalid(*p);
        auto promise = self->make_response_promise<protocol::llm_route_config>();
        db_answer(self, {storage::llm::upsert_route(to_row(r, self->state.vault))}, false, promise,
                  [](storage::pg_reply& reply, auto& p) {
                    p.deliver(to_view(storage::llm::to_route(reply.results.at(0).rows.at(0))));
                  },
                  true);
        return promise;
      },
      [self](protocol::llm_get_fallbacks_atom, const std::string& uc) -> caf::result<protocol::llm_endpoint_list> {
        if (!parse_use_case(uc)) return protocol::make_error(protocol::errc::not_found, "use case");
        auto promise = self->make_response_promise<protocol::llm_endpoint_list>();
        db_answer(self, {storage::llm::fallbacks(uc)}, false, promise,
                  [](storage::pg_reply& reply, auto& p) {
                    p.deliver(to_view(storage::llm::to_fallbacks(reply.results.at(0))));
                  },
                  false);
        return promise;
      },
      [self](protocol::llm_put_fallbacks_atom, const std::string& uc,
             protocol::llm_endpoint_list& chain) -> caf::result<protocol::llm_endpoint_list> {
        if (!parse_use_case(uc)) return protocol::make_error(protocol::errc::not_found, "use case");
        if (auto p = check_fallbacks(chain, self->state.vault)) return invalid(*p);
        auto promise = self->make_response_promise<protocol::llm_endpoint_list>();
        // The chain hangs off the routing row (foreign key): without one,
        // the insert fails as a constraint, answered as not_found.
        self->state.db.call(self, *self->state.pool, storage::llm::replace_fallbacks(uc, to_rows(uc, chain, self->state.vault)),
                            true, [self, promise](storage::pg_reply& reply) mutable {
                              if (!reply.ok()) {
                                auto code = reply.error->kind == storage::pg_failure::constraint
                                                ? protocol::errc::not_found
                                                : protocol::errc::unavailable;
                                return void(promise.deliver(protocol::make_error(code)));
                              }
                              auto chain = to_view(storage::llm::to_fallbacks(reply.results.at(2)));
                              reload(self, [promise, chain]() mutable { promise.deliver(chain); });
                            });
        return promise;
      },
      [self](protocol::llm_get_evaluators_atom) -> caf::result<protocol::llm_evaluator_list> {
        auto promise = self->make_response_promise<protocol::llm_evaluator_list>();
        db_answer(self, {storage::llm::evaluators()}, false, promise,
                  [](storage::pg_reply& reply, auto& p) {
                    p.deliver(to_view(storage::llm::to_evaluators(reply.results.at(0))));
                  },
                  false);
        return promise;
      },
      [self](protocol::llm_put_evaluators_atom,
             protocol::llm_evaluator_list& list) -> caf::result<protocol::llm_evaluator_list> {
        if (auto p = check_evaluators(list, self->state.vault)) return invalid(*p);
        auto promise = self->make_response_promise<protocol::llm_evaluator_list>();
        db_answer(self, storage::llm::replace_evaluators(to_rows(list, self->state.vault)), true, promise,
                  [](storage::pg_reply& reply, auto& p) {
                    p.deliver(to_view(storage::llm::to_evaluators(reply.results.at(2))));
                  },
                  true);
        return promise;
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
      [self](provider_done_atom, std::uint64_t id, std::uint32_t attempt, http_outcome& outcome) {
        on_provider_done(self, id, attempt, outcome);
      },
      [self](resume_atom, std::uint64_t id, std::uint64_t resume_no) {
        auto it = self->state.calls.find(id);
        if (it != self->state.calls.end() && it->second.resume_no == resume_no) ask_gate(self, id);
      },
      [self](reload_tick_atom) {
        check_version(self);
        self->delayed_send(self, self->state.options.reload_interval, reload_tick_atom::value);
      },
      [self](flush_tick_atom) {
        flush(self);
        self->delayed_send(self, self->state.options.flush_interval, flush_tick_atom::value);
      },
      [self](upkeep_tick_atom) {
        upkeep(self);
        self->delayed_send(self, self->state.options.upkeep_interval, upkeep_tick_atom::value);
      },
  };
}

}  // namespace

protocol::llm_gateway_actor spawn_gateway(caf::local_actor& parent, storage::pg_pool& pool,
                                          std::shared_ptr<provider_client> client,
                                          protocol::slot_ptr<caf::actor> breakers, gateway_options options) {
  return parent.spawn(gateway, &pool, std::move(client), std::move(breakers), options);
}

}  // namespace delta::llm
