// The pipeline's stage actors: enrich, evaluate, publish. Each answers
// (stage_run_atom, event) with (ok, detail) once its output and the event's
// new status are committed; on a failure nothing of the stage is kept
// except the evaluators' recorded failures.
#include "actors/runtime/db_calls.hpp"
#include "actors/signals/evaluation_prompt.hpp"
#include "actors/signals/pipeline.hpp"
#include "actors/signals/signal_metrics.hpp"
#include "protocol/errors.hpp"
#include "protocol/stream.hpp"
#include "storage/candle_repository.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>

#include <chrono>
#include <optional>
#include <unordered_map>

namespace delta::signals {

namespace {

namespace json = boost::json;
using storage::signals::event_row;

struct recent_bars {
  std::chrono::steady_clock::time_point read_at;
  std::vector<protocol::candle> bars;
};

struct stage_state {
  static inline const char* name = "delta.signals.stage";
  storage::pg_pool* pool = nullptr;
  signals_options options;
  runtime::db_calls db;
  // enrich: each symbol's bars as last read (1-minute bars: a burst of
  // signals on one symbol reads them once per bars_ttl, not once per signal).
  std::unordered_map<std::string, recent_bars> bars;
  // evaluate: the evaluator list as the gateway last gave it. The gateway
  // itself reloads its tables once a second, so a list up to a second old is
  // as fresh as the calls it routes; without this, every event cost the
  // gateway a database read.
  std::optional<protocol::llm_evaluator_list> evaluators;
  std::chrono::steady_clock::time_point evaluators_at{};
};

constexpr auto evaluators_ttl = std::chrono::seconds(1);

using stage_self = caf::stateful_actor<stage_state>*;
using outcome = caf::response_promise;

void succeed(outcome& rp, std::string detail) { rp.deliver(true, std::move(detail)); }
void fail(outcome& rp, std::string detail) { rp.deliver(false, std::move(detail)); }

std::string db_failure(const storage::pg_reply& reply) {
  return reply.error->kind == storage::pg_failure::unavailable ? "database unavailable" : "database error";
}

// Runs `steps` in one transaction, then `then(results)`; a database error fails the stage.
template <class Then>
void transact(stage_self self, outcome rp, std::vector<storage::pg_statement> steps, bool transaction, Then then) {
  self->state.db.call(self, *self->state.pool, std::move(steps), transaction,
                      [rp, then](storage::pg_reply& reply) mutable {
                        if (!reply.ok()) return fail(rp, db_failure(reply));
                        then(rp, reply.results);
                      });
}

std::string flags_detail(const std::vector<std::string>& flags) {
  std::string out = flags.empty() ? "no quality flags" : "quality flags:";
  for (auto& f : flags) out += " " + f;
  return out;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- enrich ----

void enrich_with(stage_self self, outcome rp, const event_row& e, std::vector<protocol::candle> bars,
                 std::chrono::steady_clock::time_point started) {
  auto p = parse_profile(e.profile).value_or(profile::trend_follow_v1);
  auto report = compute_features(p, bars, unix_now(), self->state.options.features);
  auto next = on_success(stage::enrich);
  transact(self, rp,
           {storage::signals::save_enrichment(e.event_id, e.profile, report.features_json, report.quality_flags),
            storage::signals::advance(e.event_id, "enrich", std::string{name_of(next.status)},
                                      std::string{name_of(next.next)}, flags_detail(report.quality_flags))},
           true, [started, detail = flags_detail(report.quality_flags)](outcome& rp, auto&) {
             metrics::enrichment_duration().observe(
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
             succeed(rp, detail);
           });
}

void remember_bars(stage_self self, const std::string& symbol, const std::vector<protocol::candle>& bars) {
  auto& cache = self->state.bars;
  if (cache.size() >= 10000) cache.clear();  // bounded: many symbols just read again
  cache[symbol] = {std::chrono::steady_clock::now(), bars};
}

void enrich(stage_self self, outcome rp, const event_row& e) {
  auto started = std::chrono::steady_clock::now();
  if (auto it = self->state.bars.find(e.symbol);
      it != self->state.bars.end() && started - it->second.read_at < self->state.options.bars_ttl)
    return enrich_with(self, rp, e, it->second.bars, started);
  transact(self, rp, {storage::signals::security_of(e.symbol)}, false,
           [self, e, started](outcome& rp, std::vector<storage::pg_result>& r) {
             auto security = storage::signals::to_security_id(r.at(0));
             // An unknown symbol has no candles: enriched with the flags that say so.
             if (!security) {
               remember_bars(self, e.symbol, {});
               return enrich_with(self, rp, e, {}, started);
             }
             transact(self, rp,
                      {storage::candles::bars(*security, 60, std::nullopt, std::nullopt,
                                              self->state.options.bars, true)},
                      false, [self, e, started](outcome& rp, std::vector<storage::pg_result>& r) {
                        auto bars = storage::candles::to_candles(r.at(0));
                        remember_bars(self, e.symbol, bars);
                        enrich_with(self, rp, e, std::move(bars), started);
                      });
           });
}

// ---- evaluate ----

struct evaluation {
  outcome rp;
  event_row event;
  std::size_t pending = 0;
  std::vector<storage::signals::decision_row> rows;
};

storage::signals::decision_row failure_row(const std::string& model, std::string error) {
  storage::signals::decision_row d;
  d.model = model;
  d.error = std::move(error);
  return d;
}

void evaluated(stage_self self, const std::shared_ptr<evaluation>& ev) {
  std::size_t decided = 0;
  for (auto& d : ev->rows) decided += d.error.empty() ? 1 : 0;
  std::vector<storage::pg_statement> steps{storage::signals::save_decisions(ev->event.event_id, ev->rows)};
  auto detail = std::to_string(decided) + " of " + std::to_string(ev->rows.size()) + " evaluators decided";
  // Failures are kept either way; the event moves on only with a decision.
  if (decided > 0) {
    auto next = on_success(stage::evaluate);
    steps.push_back(storage::signals::advance(ev->event.event_id, "evaluate", std::string{name_of(next.status)},
                                              std::string{name_of(next.next)}, detail));
  }
  transact(self, ev->rp, std::move(steps), true, [decided, detail](outcome& rp, auto&) {
    if (decided > 0) succeed(rp, detail);
    else fail(rp, "every evaluator failed (" + detail + ")");
  });
}

void ask_evaluator(stage_self self, const std::shared_ptr<evaluation>& ev, const protocol::llm_gateway_actor& llm,
                   const protocol::llm_evaluator_config& evaluator, const evaluation_prompt& prompt) {
  protocol::llm_direct_prompt call{evaluator.name,
                                   {"signal_evaluate", prompt.system, prompt.user, evaluator.max_tokens,
                                    ev->event.event_id}};
  auto started = std::chrono::steady_clock::now();
  auto done = [self, ev, name = evaluator.name, started](storage::signals::decision_row row) {
    metrics::evaluation_duration(name).observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    ev->rows.push_back(std::move(row));
    if (--ev->pending == 0) evaluated(self, ev);
  };
  self->request(llm, caf::infinite, protocol::llm_direct_atom::value, std::move(call))
      .then(
          [done, name = evaluator.name](const protocol::llm_answer& a) {
            auto d = read_decision(a.text);
            if (!d) return done(failure_row(name, "the output is not a decision"));
            done({name, a.provider, a.model, d->verdict, d->confidence, d->rationale, a.latency_ms,
                  a.prompt_tokens, a.completion_tokens, ""});
          },
          [done, name = evaluator.name](const caf::error& err) {
            // The gateway answers unavailable for a provider failure and for
            // output that does not validate against the decision schema.
            done(failure_row(name, "the evaluator failed: " + protocol::to_string(protocol::code_of(err))));
          });
}

void evaluate_with(stage_self self, const std::shared_ptr<evaluation>& ev, const protocol::llm_gateway_actor& llm,
                   const protocol::llm_evaluator_list& evaluators, const evaluation_prompt& prompt) {
  auto& wanted = ev->event.models;
  std::vector<protocol::llm_evaluator_config> chosen;
  for (auto& e : evaluators)
    if (wanted.empty() ? e.active : std::find(wanted.begin(), wanted.end(), e.name) != wanted.end())
      chosen.push_back(e);
  for (auto& name : wanted)
    if (std::none_of(chosen.begin(), chosen.end(), [&](auto& c) { return c.name == name; }))
      ev->rows.push_back(failure_row(name, "no such evaluator"));
  if (chosen.empty()) {
    if (ev->rows.empty()) return fail(ev->rp, "no active evaluator");
    return evaluated(self, ev);
  }
  ev->pending = chosen.size();
  for (auto& c : chosen) ask_evaluator(self, ev, llm, c, prompt);
}

void evaluate(stage_self self, outcome rp, const event_row& e) {
  auto llm = self->state.options.llm ? self->state.options.llm->get() : protocol::llm_gateway_actor{};
  if (!llm) return fail(rp, "the LLM gateway is not running");
  transact(self, rp, {storage::signals::load_enrichment(e.event_id)}, false,
           [self, e, llm](outcome& rp, std::vector<storage::pg_result>& r) {
             auto enrichment = storage::signals::to_enrichment(r.at(0));
             if (!enrichment) return fail(rp, "the event has no enrichment");
             auto prompt = make_evaluation_prompt({e.event_id, e.symbol, e.side, e.price, e.strategy, e.profile,
                                                   enrichment->features_json, enrichment->quality_flags});
             auto ev = std::make_shared<evaluation>(evaluation{rp, e, 0, {}});
             auto now = std::chrono::steady_clock::now();
             if (self->state.evaluators && now - self->state.evaluators_at < evaluators_ttl)
               return evaluate_with(self, ev, llm, *self->state.evaluators, prompt);
             self->request(llm, caf::infinite, protocol::llm_get_evaluators_atom::value)
                 .then([self, ev, llm, prompt, now](const protocol::llm_evaluator_list& list) {
                   self->state.evaluators = list;
                   self->state.evaluators_at = now;
                   evaluate_with(self, ev, llm, list, prompt);
                 },
                       [ev](const caf::error&) { fail(ev->rp, "the LLM gateway cannot list evaluators"); });
           });
}

// ---- publish ----

std::string decision_data(const event_row& e, const storage::signals::decision_row& d) {
  return json::serialize(json::object{{"event_id", e.event_id}, {"symbol", e.symbol}, {"side", e.side},
                                      {"model", d.model}, {"provider", d.provider}, {"decision", d.decision},
                                      {"confidence", d.confidence}, {"rationale", d.rationale},
                                      {"latency_ms", d.latency_ms}});
}

void publish(stage_self self, outcome rp, const event_row& e) {
  transact(self, rp, {storage::signals::load_decisions(e.event_id)}, false,
           [self, e](outcome& rp, std::vector<storage::pg_result>& r) {
             auto decisions = storage::signals::to_decisions(r.at(0));
             auto hub = self->state.options.stream ? self->state.options.stream->get() : caf::actor{};
             if (!hub) return fail(rp, "the live stream is not running");
             // At least once: a crash before the commit below publishes again.
             for (auto& d : decisions) {
               protocol::stream_event out;
               out.channel = protocol::stream_channel_decisions;
               out.owner_user_id = e.owner;
               out.symbol = e.symbol;
               out.model = d.model;
               out.event_type = "decision";
               out.data_json = decision_data(e, d);
               caf::anon_send(hub, protocol::stream_publish_atom::value, std::move(out));
             }
             auto next = on_success(stage::publish);
             auto detail = std::to_string(decisions.size()) + " decisions published";
             transact(self, rp,
                      {storage::signals::advance(e.event_id, "publish", std::string{name_of(next.status)},
                                                 std::string{name_of(next.next)}, detail)},
                      false, [n = decisions.size(), detail](outcome& rp, auto&) {
                        metrics::published().inc(n);
                        succeed(rp, detail);
                      });
           });
}

template <class Run>
caf::behavior stage_actor(stage_self self, storage::pg_pool* pool, signals_options options, Run run) {
  self->state.pool = pool;
  self->state.options = std::move(options);
  return {
      [self, run](stage_run_atom, const event_row& e) {
        auto rp = self->make_response_promise();
        run(self, rp, e);
        return rp;
      },
      [self](runtime::db_reply_atom, std::uint64_t id, storage::pg_reply& reply) {
        self->state.db.complete(id, reply);
      },
  };
}

template <class Run>
caf::actor spawn_stage(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options, Run run) {
  return parent.spawn(stage_actor<Run>, &pool, options, run);
}

}  // namespace

caf::actor spawn_enrich_stage(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options) {
  return spawn_stage(parent, pool, options, [](stage_self s, outcome rp, const event_row& e) { enrich(s, rp, e); });
}

caf::actor spawn_evaluate_stage(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options) {
  return spawn_stage(parent, pool, options, [](stage_self s, outcome rp, const event_row& e) { evaluate(s, rp, e); });
}

caf::actor spawn_publish_stage(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options) {
  return spawn_stage(parent, pool, options, [](stage_self s, outcome rp, const event_row& e) { publish(s, rp, e); });
}

}  // namespace delta::signals
