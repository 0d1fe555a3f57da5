// The signal pipeline's actors (API with group commit, driver, stages under
// the signals supervisor) on a real actor system against a real PostgreSQL,
// with a fake LLM gateway (a fixed decision from `model-a`, a failure from
// `broken`) and a fake stream hub that records what is published.
// Ingest answers only after the commit and shares commits between
// concurrent requests; events left received/enriched by an earlier run are
// resumed; an event whose evaluation keeps failing ends dead in the DLQ;
// a lease is renewed while an evaluation outlasts it (another node never
// takes the event); a backlog beyond what the driver holds is left to the claim
// and still published once each; the stage writer commits a batch of units
// and a unit that cannot be stored fails alone; a drain (SIGTERM) releases
// the leases of unfinished events so another node takes them at once; a row
// PostgreSQL refuses fails alone, not the ingest batch it shared.
// Every wait polls a condition with a bound; nothing sleeps to synchronise.
#include "actors/runtime/supervisor.hpp"
#include "actors/signals/pipeline.hpp"
#include "protocol/errors.hpp"
#include "protocol/registration.hpp"
#include "protocol/stream.hpp"
#include "storage/candle_repository.hpp"
#include "storage/migrator.hpp"
#include "storage/signal_repository.hpp"
#include "tests/integration/support/test_database.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <set>

using namespace std::chrono_literals;
using delta::testing::call_and_wait;
namespace signals = delta::signals;
namespace storage = delta::storage;
namespace protocol = delta::protocol;

namespace {

using protocol::errc;

// The fake LLM (gateway and admin in one actor): model-a decides, broken
// fails like invalid output does.
caf::behavior fake_gateway() {
  return {
      [](protocol::llm_complete_atom, const protocol::llm_prompt&) -> caf::result<protocol::llm_answer> {
        return protocol::make_error(errc::not_found);
      },
      [](protocol::llm_direct_atom, const protocol::llm_direct_prompt& p) -> caf::result<protocol::llm_answer> {
        if (p.evaluator == "broken") return protocol::make_error(errc::unavailable, "invalid output");
        protocol::llm_answer a;
        a.text = R"({"decision":"approve","confidence":0.8,"rationale":"trend up"})";
        a.provider = "openai_compat";
        a.model = "stub-model-a";
        a.latency_ms = 3;
        a.prompt_tokens = 40;
        a.completion_tokens = 9;
        return a;
      },
      [](protocol::llm_get_evaluators_atom) -> caf::result<protocol::llm_evaluator_list> {
        protocol::llm_evaluator_list list(2);
        list[0].name = "model-a";
        list[1].name = "broken";
        return list;
      },
  };
}

// A gateway whose evaluator `model-a` answers `delay` after each call (an
// evaluation outlasting the lease); counts the calls it got.
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
caf::behavior slow_gateway(caf::event_based_actor* self, std::chrono::milliseconds delay,
                           std::shared_ptr<std::atomic<int>> calls) {
  auto pending = std::make_shared<std::deque<caf::typed_response_promise<protocol::llm_answer>>>();
  return {
      [=](protocol::llm_direct_atom, const protocol::llm_direct_prompt&) {
        ++*calls;
        pending->push_back(self->make_response_promise<protocol::llm_answer>());
        self->delayed_send(self, delay, deliver_atom::value);
        return pending->back();
      },
      [=](deliver_atom) {
        protocol::llm_answer a;
        a.text = R"({"decision":"reject","confidence":0.6,"rationale":"slow but sure"})";
        a.provider = "openai_compat";
        a.model = "stub-model-a";
        pending->front().deliver(std::move(a));
        pending->pop_front();
      },
      [](protocol::llm_get_evaluators_atom) {
        protocol::llm_evaluator_list list(1);
        list[0].name = "model-a";
        return list;
      },
  };
}

// What the fake hub got.
struct published_events {
  std::mutex mutex;
  std::vector<protocol::stream_event> events;
};

caf::behavior fake_hub(caf::event_based_actor*, std::shared_ptr<published_events> seen) {
  return {[seen](protocol::stream_publish_atom, protocol::stream_event& e) {
    std::lock_guard guard{seen->mutex};
    seen->events.push_back(std::move(e));
  }};
}

template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 15s) {
  return delta::testing::eventually(condition, limit);
}

class SignalsPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(db.emplace()) << "needs the test cluster (DELTA_TEST_DATABASE_URL)";
    storage::apply_migrations(db->url(), storage::load_migrations(DELTA_MIGRATIONS_DIR));
    protocol::register_types(cfg);
    cfg.set("scheduler.max-threads", 2);
    cfg.set("logger.verbosity", caf::atom("quiet"));
    system.emplace(cfg);
    storage::pool_options o;
    o.url = db->url();
    o.size = 3;
    pool.emplace(o);
    storage::signals::register_statements(*pool);
    storage::candles::register_statements(*pool);
    pool->start();
    auto reply = call_and_wait(*pool, storage::pg_statement::literal(
                                          "INSERT INTO users (email, password_hash) VALUES ('s@example.com', 'x') "
                                          "RETURNING user_id::text"));
    ASSERT_TRUE(reply.ok()) << reply.error->message;
    owner = *reply.results.at(0).rows.at(0).at(0);
  }

  void TearDown() override {
    for (auto& sup : supervisors) caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    for (auto& a : helpers) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    if (system) system->await_all_actors_done();
    if (pool) pool->stop();
  }

  signals::signals_options test_options(int batches_in_flight = 2) {
    signals::signals_options options;
    options.retry.max_attempts = 2;
    options.retry.backoff = {1ms, 5ms, 1ms};
    options.poll_interval = 50ms;
    options.batches_in_flight = batches_in_flight;
    return options;
  }

  void start_pipeline(int batches_in_flight = 2) { start_pipeline_with(system->spawn(fake_gateway), test_options(batches_in_flight)); }

  // One node's signals supervisor with `gateway` as its LLM gateway; a
  // second call starts another node on the same database.
  // `gateway` answers as the LLM gateway (completions) and admin (evaluators).
  void start_pipeline_with(caf::actor gateway, signals::signals_options options,
                           signals::signals_handles* node = nullptr) {
    auto& h = node ? *node : handles;
    auto llm = std::make_shared<protocol::actor_slot<protocol::llm_gateway_actor>>();
    llm->set(caf::actor_cast<protocol::llm_gateway_actor>(gateway));
    auto llm_admin = std::make_shared<protocol::actor_slot<protocol::llm_admin_actor>>();
    llm_admin->set(caf::actor_cast<protocol::llm_admin_actor>(gateway));
    auto hub = std::make_shared<protocol::actor_slot<caf::actor>>();
    auto hub_actor = system->spawn(fake_hub, seen);
    hub->set(hub_actor);
    helpers.push_back(gateway);
    helpers.push_back(hub_actor);
    options.llm = llm;
    options.llm_admin = llm_admin;
    options.stream = hub;
    supervisors.push_back(delta::runtime::spawn_supervisor(*system, signals::signals_supervisor(*pool, options, h)));
    ASSERT_TRUE(eventually([&h] { return h.api->get() && h.pipeline->get() && h.writer->get(); }));
  }

  std::string submit_one(const protocol::signal_submission& s, signals::signals_handles* node = nullptr) {
    caf::scoped_actor self{*system};
    std::string id;
    self->request((node ? *node : handles).api->get(), 10s, protocol::signal_submit_atom::value, s)
        .receive([&](protocol::signal_receipt& r) { id = r.event_id; },
                 [&](caf::error& e) { ADD_FAILURE() << system->render(e); });
    return id;
  }

  protocol::signal_submission submission(const std::string& symbol = "AAPL") {
    protocol::signal_submission s;
    s.owner_user_id = owner;
    s.source = "tradingview";
    s.symbol = symbol;
    s.side = "long";
    s.profile = "trend_follow_v1";
    return s;
  }

  std::int64_t count(const std::string& sql) {
    auto reply = call_and_wait(*pool, storage::pg_statement::literal(sql));
    if (!reply.ok()) return -1;
    return std::stoll(reply.results.at(0).rows.at(0).at(0).value_or("0"));
  }

  std::string status_of(const std::string& id) {
    auto reply = call_and_wait(*pool, storage::pg_statement::literal(
                                          "SELECT status FROM events WHERE event_id = $1::uuid", {id}));
    if (!reply.ok() || reply.results.at(0).rows.empty()) return "";
    return reply.results.at(0).rows[0].at(0).value_or("");
  }

  // An event as an earlier run left it: no lease, at `status`, waiting for `next_stage`.
  std::string leftover(const std::string& status, const std::string& next_stage) {
    auto reply = call_and_wait(
        *pool, storage::pg_statement::literal(
                   "INSERT INTO events (event_id, owner_user_id, source, symbol, side, status, next_stage)"
                   " VALUES (gen_random_uuid(), $1::uuid, 'test', 'MSFT', 'short', $2, $3) RETURNING event_id::text",
                   {owner, status, next_stage}));
    EXPECT_TRUE(reply.ok()) << reply.error->message;
    return reply.ok() ? *reply.results.at(0).rows.at(0).at(0) : "";
  }

  caf::actor_system_config cfg;
  std::optional<delta::testing::scratch_database> db;
  std::optional<caf::actor_system> system;
  std::optional<storage::pg_pool> pool;
  std::string owner;
  signals::signals_handles handles;
  std::vector<caf::actor> supervisors;
  std::vector<caf::actor> helpers;
  std::shared_ptr<published_events> seen = std::make_shared<published_events>();
};

TEST_F(SignalsPipelineTest, IngestAnswersOnlyAfterTheCommitAndConcurrentRequestsShareCommits) {
  start_pipeline(1);
  constexpr int n = 50;
  caf::scoped_actor self{*system};
  auto api = handles.api->get();
  for (int i = 0; i < n; ++i) self->send(api, protocol::signal_submit_atom::value, submission());
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    self->receive(
        [&](protocol::signal_receipt& r) {
          EXPECT_EQ(r.status, "received");
          EXPECT_FALSE(r.received_ts.empty());
          // Visible to another connection the moment the answer arrives: committed.
          EXPECT_EQ(count("SELECT count(*) FROM events WHERE event_id = '" + r.event_id + "'"), 1);
          ids.push_back(r.event_id);
        },
        [&](caf::error& e) { ADD_FAILURE() << system->render(e); },
        caf::after(10s) >> [&] { ADD_FAILURE() << "no answer"; });
  }
  ASSERT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), static_cast<std::size_t>(n));
  // Each ingest row keeps its inserting transaction (the pipeline updates events, never these): far fewer commits than requests.
  auto commits = count("SELECT count(DISTINCT xmin::text) FROM processing_timeline WHERE stage = 'ingest'");
  EXPECT_GE(commits, 1);
  EXPECT_LT(commits, n);
  EXPECT_EQ(count("SELECT count(*) FROM processing_timeline WHERE stage = 'ingest'"), n);
}

TEST_F(SignalsPipelineTest, AFreshEventIsEnrichedEvaluatedAndPublishedWithEachModelsOutcome) {
  start_pipeline();
  caf::scoped_actor self{*system};
  std::string id;
  self->request(handles.api->get(), 10s, protocol::signal_submit_atom::value, submission("NVDA"))
      .receive([&](protocol::signal_receipt& r) { id = r.event_id; },
               [&](caf::error& e) { ADD_FAILURE() << system->render(e); });
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return status_of(id) == "published"; })) << status_of(id);
  EXPECT_EQ(count("SELECT count(*) FROM enriched_events WHERE event_id = '" + id + "'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM model_decisions WHERE decision = 'approve' AND model = 'model-a'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM model_decisions WHERE error IS NOT NULL AND model = 'broken'"), 1);
  std::lock_guard guard{seen->mutex};
  ASSERT_EQ(seen->events.size(), 1u);  // the decision, not the failure
  EXPECT_EQ(seen->events[0].channel, "decisions");
  EXPECT_EQ(seen->events[0].symbol, "NVDA");
  EXPECT_EQ(seen->events[0].model, "model-a");
  EXPECT_EQ(seen->events[0].owner_user_id, owner);
  EXPECT_NE(seen->events[0].data_json.find(id), std::string::npos);
}

TEST_F(SignalsPipelineTest, EventsAnEarlierRunLeftReceivedOrEnrichedArePublishedByANewPipeline) {
  auto received = leftover("received", "enrich");
  auto enriched = leftover("enriched", "evaluate");
  storage::signals::stage_writes enrichment;
  enrichment.enrichments.push_back({enriched, "trend_follow_v1", "{}", {}});
  auto reply = call_and_wait(*pool, storage::signals::write_batch(enrichment), true);
  ASSERT_TRUE(reply.ok()) << reply.error->message;
  start_pipeline();
  EXPECT_TRUE(eventually([&] { return status_of(received) == "published" && status_of(enriched) == "published"; }))
      << status_of(received) << " " << status_of(enriched);
  EXPECT_EQ(count("SELECT count(*) FROM processing_timeline WHERE stage = 'publish' AND status = 'published'"), 2);
}

TEST_F(SignalsPipelineTest, AnEventWhoseEveryEvaluatorFailsRetriesThenEndsDeadInTheDeadLetterQueue) {
  start_pipeline();
  auto s = submission();
  s.models = {"broken"};
  caf::scoped_actor self{*system};
  std::string id;
  self->request(handles.api->get(), 10s, protocol::signal_submit_atom::value, s)
      .receive([&](protocol::signal_receipt& r) { id = r.event_id; },
               [&](caf::error& e) { ADD_FAILURE() << system->render(e); });
  ASSERT_TRUE(eventually([&] { return status_of(id) == "dead"; })) << status_of(id);
  EXPECT_EQ(count("SELECT count(*) FROM dlq_entries WHERE stage = 'evaluate' AND attempts = 2"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM processing_timeline WHERE stage = 'evaluate' AND status = 'failed'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM model_decisions WHERE decision IS NOT NULL"), 0);
}

TEST_F(SignalsPipelineTest, ALeaseIsRenewedWhileAnEvaluationOutlastsItSoNoOtherNodeTakesTheEvent) {
  auto slow_calls = std::make_shared<std::atomic<int>>(0);
  auto other_calls = std::make_shared<std::atomic<int>>(0);
  auto options = test_options();
  options.lease = 1s;  // renewed every 333 ms; the evaluation takes 2.5 s
  options.poll_interval = 60s;  // this node's own claims would re-lease what it holds
  start_pipeline_with(system->spawn(slow_gateway, 2500ms, slow_calls),
                      options);
  // Another node claiming every 50 ms: without renewal it would take the
  // event over once the first lease ran out, and call its own gateway.
  options.poll_interval = 50ms;
  signals::signals_handles other;
  start_pipeline_with(system->spawn(slow_gateway, 10ms, other_calls),
                      options, &other);
  auto s = submission();
  s.models = {"model-a"};
  auto id = submit_one(s);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return status_of(id) == "published"; })) << status_of(id);
  EXPECT_EQ(slow_calls->load(), 1);
  EXPECT_EQ(other_calls->load(), 0) << "the other node took a leased event";
  EXPECT_EQ(count("SELECT count(*) FROM processing_timeline WHERE stage = 'evaluate' AND event_id = '" + id + "'"), 1);
}

TEST_F(SignalsPipelineTest, ABacklogBeyondWhatTheDriverHoldsIsLeftToTheClaimAndStillPublishedInFull) {
  auto options = test_options();
  options.concurrency = 2;  // the driver holds 4; ingest leases no more than that, the rest waits for claims
  start_pipeline_with(system->spawn(fake_gateway), options);
  constexpr int n = 60;
  caf::scoped_actor self{*system};
  for (int i = 0; i < n; ++i) {
    auto s = submission();
    s.models = {"model-a"};
    self->send(handles.api->get(), protocol::signal_submit_atom::value, s);
  }
  for (int i = 0; i < n; ++i)
    self->receive([](protocol::signal_receipt&) {}, [&](caf::error& e) { ADD_FAILURE() << system->render(e); },
                  caf::after(10s) >> [] { ADD_FAILURE() << "no answer"; });
  EXPECT_TRUE(eventually([&] { return count("SELECT count(*) FROM events WHERE status = 'published'") == n; }))
      << count("SELECT count(*) FROM events WHERE status = 'published'");
  EXPECT_EQ(count("SELECT count(*) FROM model_decisions"), n);
  EXPECT_EQ(count("SELECT count(*) FROM processing_timeline WHERE stage = 'publish'"), n) << "published once each";
}

TEST_F(SignalsPipelineTest, TheStageWriterCommitsABatchOfUnitsAndAUnitThatCannotBeStoredFailsAlone) {
  start_pipeline();
  // Events not due for an hour: the pipeline's claims leave them to this test.
  auto reply = call_and_wait(
      *pool, storage::pg_statement::literal(
                 "INSERT INTO events (event_id, owner_user_id, source, symbol, side, next_attempt_at)"
                 " SELECT gen_random_uuid(), $1::uuid, 'test', 'MSFT', 'long', now() + interval '1 hour'"
                 " FROM generate_series(1, 20) RETURNING event_id::text",
                 {owner}));
  ASSERT_TRUE(reply.ok()) << reply.error->message;
  std::vector<std::string> ids;
  for (auto& row : reply.results.at(0).rows) ids.push_back(*row.at(0));
  caf::scoped_actor self{*system};
  auto writer = handles.writer->get();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    storage::signals::stage_writes w;
    // Unit 7's features are not JSON: its INSERT cannot succeed.
    w.enrichments.push_back({ids[i], "trend_follow_v1", i == 7 ? "not json" : R"({"unit":)" + std::to_string(i) + "}", {"gaps"}});
    self->send(writer, signals::stage_write_atom::value, std::move(w));
  }
  int ok = 0, failed = 0;
  for (std::size_t i = 0; i < ids.size(); ++i)
    self->receive([&](bool stored, std::string&) { ++(stored ? ok : failed); },
                  caf::after(10s) >> [] { ADD_FAILURE() << "no answer"; });
  EXPECT_EQ(ok, 19);
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(count("SELECT count(*) FROM enriched_events WHERE features ? 'unit' AND quality_flags = '{gaps}'"), 19);
}

TEST_F(SignalsPipelineTest, ADrainReleasesTheLeasesOfUnfinishedEventsSoAnotherNodeTakesThemAtOnce) {
  auto slow_calls = std::make_shared<std::atomic<int>>(0);
  auto other_calls = std::make_shared<std::atomic<int>>(0);
  auto options = test_options();
  options.lease = 60s;  // without the release, the other node would wait a minute
  start_pipeline_with(system->spawn(slow_gateway, 30s, slow_calls),
                      options);
  auto s = submission();
  s.models = {"model-a"};
  auto id = submit_one(s);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return slow_calls->load() == 1; })) << "the evaluation did not start";
  EXPECT_EQ(signals::drain_signals(*system, handles, 100ms), 1);
  EXPECT_EQ(count("SELECT count(*) FROM events WHERE lease_until IS NULL AND event_id = '" + id + "'"), 1);
  signals::signals_handles other;
  start_pipeline_with(system->spawn(slow_gateway, 10ms, other_calls),
                      options, &other);
  EXPECT_TRUE(eventually([&] { return status_of(id) == "published"; }, 5s)) << status_of(id);
  EXPECT_EQ(other_calls->load(), 1);
}

TEST_F(SignalsPipelineTest, ADrainLetsTheRunningStageCommitStartsNoOtherAndReleasesTheEvent) {
  auto slow_calls = std::make_shared<std::atomic<int>>(0);
  auto other_calls = std::make_shared<std::atomic<int>>(0);
  auto options = test_options();
  options.lease = 60s;
  start_pipeline_with(system->spawn(slow_gateway, 300ms, slow_calls),
                      options);
  auto s = submission();
  s.models = {"model-a"};
  auto id = submit_one(s);
  ASSERT_TRUE(eventually([&] { return slow_calls->load() == 1; })) << "the evaluation did not start";
  // The evaluation answers within the drain's grace period: it is committed,
  // publish does not start here, and the lease goes back.
  EXPECT_EQ(signals::drain_signals(*system, handles, 10s), 1);
  EXPECT_EQ(status_of(id), "evaluated");
  EXPECT_EQ(count("SELECT count(*) FROM events WHERE lease_until IS NULL AND event_id = '" + id + "'"), 1);
  signals::signals_handles other;
  start_pipeline_with(system->spawn(slow_gateway, 10ms, other_calls),
                      options, &other);
  EXPECT_TRUE(eventually([&] { return status_of(id) == "published"; }, 5s)) << status_of(id);
  EXPECT_EQ(other_calls->load(), 0) << "the other node evaluated again instead of publishing the stored decision";
}

TEST_F(SignalsPipelineTest, ARowPostgreSQLRefusesFailsAloneAndTheRestOfItsBatchIsStored) {
  start_pipeline(1);  // one INSERT at a time: the submissions below share batches
  caf::scoped_actor self{*system};
  constexpr int n = 30;
  for (int i = 0; i < n; ++i) {
    auto s = submission();
    if (i == 10) s.owner_user_id = "00000000-0000-4000-8000-000000000000";  // no such user: the foreign key refuses it
    self->send(handles.api->get(), protocol::signal_submit_atom::value, s);
  }
  int stored = 0, refused = 0;
  for (int i = 0; i < n; ++i)
    self->receive([&](protocol::signal_receipt&) { ++stored; }, [&](caf::error&) { ++refused; },
                  caf::after(10s) >> [] { ADD_FAILURE() << "no answer"; });
  EXPECT_EQ(stored, n - 1);
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(count("SELECT count(*) FROM events"), n - 1);
  EXPECT_TRUE(eventually([&] { return count("SELECT count(*) FROM events WHERE status = 'published'") == n - 1; }));
}

}  // namespace

