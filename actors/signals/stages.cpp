// The pipeline's stage actors: enrich, evaluate, publish. Each answers
// (stage_run_atom, event) with (ok, detail, event) once its output and the
// event's new status are committed (through the stage writer's group
// commit); on a failure nothing of the stage is kept except the evaluators'
// recorded failures. Reads happen only where memory has nothing: candles
// per symbol (shared by concurrent events), and a claimed event's
// enrichment or decisions.
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
#include <deque>
#include <functional>
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

// The answer of one stage run: the event comes back with what it produced.
struct outcome {
  caf::response_promise rp;
  event_row event;
  std::function<void()> on_answer;  // e.g. frees the evaluate stage's slot
  void succeed(std::string detail) { answer(true, std::move(detail)); }
  void fail(std::string detail) { answer(false, std::move(detail)); }

 private:
  void answer(bool ok, std::string detail) {
    rp.deliver(ok, std::move(detail), std::move(event));
    if (auto done = std::move(on_answer)) done();
  }
};
using outcome_ptr = std::shared_ptr<outcome>;

struct stage_state {
  static inline const char* name = "delta.signals.stage";
  storage::pg_pool* pool = nullptr;
  signals_options options;
  runtime::db_calls db;
  // enrich: each symbol's bars as last read (1-minute bars: a burst of
  // signals on one symbol reads them once per bars_ttl, not once per signal).
  std::unordered_map<std::string, recent_bars> bars;
  // Symbols whose bars are being read, with the events waiting for them.
  std::unordered_map<std::string, std::vector<std::pair<outcome_ptr, std::chrono::steady_clock::time_point>>> reading;
  // evaluate: the evaluator list as the gateway last gave it. The gateway
  // itself reloads its tables once a second, so a list up to a second old is
  // as fresh as the calls it routes; without this, every event cost the
  // gateway a database read.
  std::optional<protocol::llm_evaluator_list> evaluators;
  std::chrono::steady_clock::time_point evaluators_at{};
  // evaluate: events being evaluated, and those waiting for a slot. The
  // gateway's per-endpoint cap turns calls beyond it into failures (a
  // bulkhead for interactive callers); the pipeline queues here instead.
  int evaluating = 0;
  std::deque<outcome_ptr> waiting_for_slot;
};

constexpr auto evaluators_ttl = std::chrono::seconds(1);
// Requests are bounded although their receivers bound themselves: CAF 0.17
// never answers a request whose receiver died holding its promise.
constexpr auto writer_timeout = std::chrono::minutes(2);
constexpr auto gateway_timeout = std::chrono::minutes(5);  // llm.call_deadline_seconds is at most 60

using stage_self = caf::stateful_actor<stage_state>*;
using storage::signals::stage_writes;

// Reads `steps`, then `then(results)`; a database error fails the stage.
template <class Then>
void read(stage_self self, outcome_ptr out, std::vector<storage::pg_statement> steps, Then then) {
  self->state.db.call(self, *self->state.pool, std::move(steps), false,
                      [out, then](storage::pg_reply& reply) mutable {
                        if (!reply.ok()) return out->fail(db_failure(reply));
                        then(reply.results);
                      });
}

// Commits `writes` through the stage writer, then `then()`.
template <class Then>
void persist(stage_self self, outcome_ptr out, stage_writes writes, Then then) {
  auto writer = self->state.options.writer ? self->state.options.writer->get() : caf::actor{};
  if (!writer) return out->fail("the stage writer is not running");
  self->request(writer, writer_timeout, stage_write_atom::value, std::move(writes))
      .then(
          [out, then](bool ok, std::string& detail) mutable {
            if (!ok) return out->fail(std::move(detail));
            then();
          },
          [out](const caf::error& err) { out->fail("the stage writer did not answer: " + caf::to_string(err)); });
}

storage::signals::advance_write advance_of(const event_row& e, stage s, std::string detail) {
  auto next = on_success(s);
  return {e.event_id, std::string{name_of(s)}, std::string{name_of(next.status)}, std::string{name_of(next.next)},
          std::move(detail)};
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

void enrich_with(stage_self self, outcome_ptr out, const std::vector<protocol::candle>& bars,
                 std::chrono::steady_clock::time_point started) {
  auto& e = out->event;
  auto p = parse_profile(e.profile).value_or(profile::trend_follow_v1);
  auto report = compute_features(p, bars, unix_now(), self->state.options.features);
  auto detail = flags_detail(report.quality_flags);
  stage_writes w;
  w.enrichments.push_back({e.event_id, e.profile, report.features_json, report.quality_flags});
  w.advances.push_back(advance_of(e, stage::enrich, detail));
  e.enrichment = storage::signals::enrichment_row{std::move(report.features_json), std::move(report.quality_flags)};
  persist(self, out, std::move(w), [out, started, detail]() mutable {
    metrics::enrichment_duration().observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    out->succeed(std::move(detail));
  });
}

// Reads a symbol's bars once for every event that asks while the read runs.
void read_bars(stage_self self, outcome_ptr out, const std::string& symbol) {
  auto& waiting = self->state.reading[symbol];
  waiting.emplace_back(std::move(out), std::chrono::steady_clock::now());
  if (waiting.size() > 1) return;
  // bars, or the reason the read failed (which fails every waiting event's stage).
  auto deliver = [self, symbol](std::vector<protocol::candle> bars, std::string failure) {
    auto waiters = std::move(self->state.reading[symbol]);
    self->state.reading.erase(symbol);
    if (failure.empty()) {
      auto& cache = self->state.bars;
      if (cache.size() >= 10000) cache.clear();  // bounded: many symbols just read again
      cache[symbol] = {std::chrono::steady_clock::now(), bars};
    }
    for (auto& [waiter, started] : waiters) {
      if (!failure.empty()) waiter->fail(failure);
      else enrich_with(self, waiter, bars, started);
    }
  };
  auto& st = self->state;
  st.db.call(self, *st.pool, {storage::signals::security_of(symbol)}, false,
             [self, deliver](storage::pg_reply& reply) {
               if (!reply.ok()) return deliver({}, db_failure(reply));
               auto security = storage::signals::to_security_id(reply.results.at(0));
               // An unknown symbol has no candles: enriched with the flags that say so.
               if (!security) return deliver({}, "");
               auto& st = self->state;
               st.db.call(self, *st.pool,
                          {storage::candles::bars(*security, 60, std::nullopt, std::nullopt, st.options.bars, true)},
                          false, [deliver](storage::pg_reply& reply) {
                            if (!reply.ok()) return deliver({}, db_failure(reply));
                            deliver(storage::candles::to_candles(reply.results.at(0)), "");
                          });
             });
}

void enrich(stage_self self, outcome_ptr out) {
  auto now = std::chrono::steady_clock::now();
  auto& symbol = out->event.symbol;
  if (auto it = self->state.bars.find(symbol);
      it != self->state.bars.end() && now - it->second.read_at < self->state.options.bars_ttl)
    return enrich_with(self, out, it->second.bars, now);
  read_bars(self, out, symbol);
}

// ---- evaluate ----

struct evaluation {
  outcome_ptr out;
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
  auto& e = ev->out->event;
  std::size_t decided = 0;
  stage_writes w;
  e.decisions.clear();
  for (auto& d : ev->rows) {
    w.decisions.push_back({e.event_id, d});
    if (d.error.empty()) {
      ++decided;
      e.decisions.push_back(d);
    }
  }
  std::sort(e.decisions.begin(), e.decisions.end(), [](auto& a, auto& b) { return a.model < b.model; });
  auto detail = std::to_string(decided) + " of " + std::to_string(ev->rows.size()) + " evaluators decided";
  // Failures are kept either way; the event moves on only with a decision.
  if (decided > 0) w.advances.push_back(advance_of(e, stage::evaluate, detail));
  persist(self, ev->out, std::move(w), [out = ev->out, decided, detail]() mutable {
    if (decided > 0) out->succeed(std::move(detail));
    else out->fail("every evaluator failed (" + detail + ")");
  });
}

void ask_evaluator(stage_self self, const std::shared_ptr<evaluation>& ev, const protocol::llm_gateway_actor& llm,
                   const protocol::llm_evaluator_config& evaluator, const evaluation_prompt& prompt) {
  protocol::llm_direct_prompt call{evaluator.name,
                                   {"signal_evaluate", prompt.system, prompt.user, evaluator.max_tokens,
                                    ev->out->event.event_id}};
  auto started = std::chrono::steady_clock::now();
  auto done = [self, ev, name = evaluator.name, started](storage::signals::decision_row row) {
    metrics::evaluation_duration(name).observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    ev->rows.push_back(std::move(row));
    if (--ev->pending == 0) evaluated(self, ev);
  };
  self->request(llm, gateway_timeout, protocol::llm_direct_atom::value, std::move(call))
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
  auto& wanted = ev->out->event.models;
  std::vector<protocol::llm_evaluator_config> chosen;
  for (auto& e : evaluators)
    if (wanted.empty() ? e.active : std::find(wanted.begin(), wanted.end(), e.name) != wanted.end())
      chosen.push_back(e);
  for (auto& name : wanted)
    if (std::none_of(chosen.begin(), chosen.end(), [&](auto& c) { return c.name == name; }))
      ev->rows.push_back(failure_row(name, "no such evaluator"));
  if (chosen.empty()) {
    if (ev->rows.empty()) return ev->out->fail("no active evaluator");
    return evaluated(self, ev);
  }
  ev->pending = chosen.size();
  for (auto& c : chosen) ask_evaluator(self, ev, llm, c, prompt);
}

void evaluate_enriched(stage_self self, outcome_ptr out, const protocol::llm_gateway_actor& llm) {
  auto& e = out->event;
  auto prompt = make_evaluation_prompt({e.event_id, e.symbol, e.side, e.price, e.strategy, e.profile,
                                        e.enrichment->features_json, e.enrichment->quality_flags});
  auto ev = std::make_shared<evaluation>(evaluation{out, 0, {}});
  auto now = std::chrono::steady_clock::now();
  if (self->state.evaluators && now - self->state.evaluators_at < evaluators_ttl)
    return evaluate_with(self, ev, llm, *self->state.evaluators, prompt);
  auto admin = self->state.options.llm_admin ? self->state.options.llm_admin->get() : protocol::llm_admin_actor{};
  if (!admin) return ev->out->fail("the LLM admin is not running");
  self->request(admin, gateway_timeout, protocol::llm_get_evaluators_atom::value)
      .then(
          [self, ev, llm, prompt, now](const protocol::llm_evaluator_list& list) {
            self->state.evaluators = list;
            self->state.evaluators_at = now;
            evaluate_with(self, ev, llm, list, prompt);
          },
          [ev](const caf::error&) { ev->out->fail("the LLM gateway cannot list evaluators"); });
}

void start_evaluation(stage_self self, outcome_ptr out) {
  auto llm = self->state.options.llm ? self->state.options.llm->get() : protocol::llm_gateway_actor{};
  if (!llm) return out->fail("the LLM gateway is not running");
  if (out->event.enrichment) return evaluate_enriched(self, out, llm);
  read(self, out, {storage::signals::load_enrichment(out->event.event_id)},
       [self, out, llm](std::vector<storage::pg_result>& r) {
         out->event.enrichment = storage::signals::to_enrichment(r.at(0));
         if (!out->event.enrichment) return out->fail("the event has no enrichment");
         evaluate_enriched(self, out, llm);
       });
}

// Runs `out` in a slot now or when one frees (signals.evaluations_in_flight).
void evaluate(stage_self self, outcome_ptr out) {
  auto& st = self->state;
  if (st.evaluating >= st.options.evaluations_in_flight) return st.waiting_for_slot.push_back(std::move(out));
  ++st.evaluating;
  out->on_answer = [self] {
    auto& st = self->state;
    --st.evaluating;
    if (st.waiting_for_slot.empty()) return;
    auto next = std::move(st.waiting_for_slot.front());
    st.waiting_for_slot.pop_front();
    evaluate(self, std::move(next));
  };
  start_evaluation(self, std::move(out));
}

// ---- publish ----

std::string decision_data(const event_row& e, const storage::signals::decision_row& d) {
  return json::serialize(json::object{{"event_id", e.event_id}, {"symbol", e.symbol}, {"side", e.side},
                                      {"model", d.model}, {"provider", d.provider}, {"decision", d.decision},
                                      {"confidence", d.confidence}, {"rationale", d.rationale},
                                      {"latency_ms", d.latency_ms}});
}

void publish_decisions(stage_self self, outcome_ptr out) {
  auto& e = out->event;
  auto hub = self->state.options.stream ? self->state.options.stream->get() : caf::actor{};
  if (!hub) return out->fail("the live stream is not running");
  // At least once: a crash before the commit below publishes again.
  for (auto& d : e.decisions) {
    protocol::stream_event ev;
    ev.channel = protocol::stream_channel_decisions;
    ev.owner_user_id = e.owner;
    ev.symbol = e.symbol;
    ev.model = d.model;
    ev.event_type = "decision";
    ev.data_json = decision_data(e, d);
    caf::anon_send(hub, protocol::stream_publish_atom::value, std::move(ev));
  }
  auto n = e.decisions.size();
  auto detail = std::to_string(n) + " decisions published";
  stage_writes w;
  w.advances.push_back(advance_of(e, stage::publish, detail));
  persist(self, out, std::move(w), [out, n, detail]() mutable {
    metrics::published().inc(n);
    out->succeed(std::move(detail));
  });
}

void publish(stage_self self, outcome_ptr out) {
  if (!out->event.decisions.empty()) return publish_decisions(self, out);
  read(self, out, {storage::signals::load_decisions(out->event.event_id)},
       [self, out](std::vector<storage::pg_result>& r) {
         out->event.decisions = storage::signals::to_decisions(r.at(0));
         publish_decisions(self, out);
       });
}

template <class Run>
caf::behavior stage_actor(stage_self self, storage::pg_pool* pool, signals_options options, Run run) {
  self->state.pool = pool;
  self->state.options = std::move(options);
  return {
      [self, run](stage_run_atom, event_row& e) {
        auto rp = self->make_response_promise();
        run(self, std::make_shared<outcome>(outcome{rp, std::move(e), {}}));
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
  return spawn_stage(parent, pool, options, [](stage_self s, outcome_ptr out) { enrich(s, std::move(out)); });
}

caf::actor spawn_evaluate_stage(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options) {
  return spawn_stage(parent, pool, options, [](stage_self s, outcome_ptr out) { evaluate(s, std::move(out)); });
}

caf::actor spawn_publish_stage(caf::local_actor& parent, storage::pg_pool& pool, const signals_options& options) {
  return spawn_stage(parent, pool, options, [](stage_self s, outcome_ptr out) { publish(s, std::move(out)); });
}

}  // namespace delta::signals
