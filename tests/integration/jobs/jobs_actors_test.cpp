// The jobs actors (dispatcher, job entities, scheduler, API actor under the
// jobs supervisor) on a real actor system against a real PostgreSQL, woken
// by LISTEN/NOTIFY: noop jobs all succeed; a failing kind is retried with
// backoff and then dead-lettered, and an admin retry requeues it; cancelling
// a running job stops its handler cooperatively; two nodes on two pools never
// run a job twice; a schedule shared by two nodes enqueues one job per tick;
// a drain releases the jobs it could not finish; progress reaches the events
// subscriber. Every wait polls a condition with a bound; nothing sleeps to
// synchronise.
#include "actors/jobs/builtin_kinds.hpp"
#include "actors/jobs/jobs_supervisor.hpp"
#include "protocol/errors.hpp"
#include "protocol/registration.hpp"
#include "storage/jobs_repository.hpp"
#include "storage/migrator.hpp"
#include "tests/integration/support/test_database.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>

using namespace std::chrono_literals;
using delta::testing::call_and_wait;
namespace jobs = delta::jobs;
namespace storage = delta::storage;
namespace protocol = delta::protocol;

namespace {

// What the test handlers saw, shared with the test thread.
struct observations {
  std::mutex mutex;
  std::map<std::string, int> runs;  // job id -> executions
  std::atomic<int> waiting{0};      // wait_cancel handlers started
  std::atomic<int> cancelled{0};    // ... and told to stop

  void ran(const std::string& id) {
    std::lock_guard guard{mutex};
    ++runs[id];
  }
};

observations seen;

class wait_for_cancel final : public jobs::job_handler {
 public:
  void start(jobs::job_context&) override { ++seen.waiting; }
  void cancel(jobs::job_context&) override { ++seen.cancelled; }
};

// Reports 50 %, then succeeds on a timer of the job's own actor.
class halfway final : public jobs::job_handler {
 public:
  void start(jobs::job_context& ctx) override {
    ctx.progress(50);
    ctx.after(20ms, [&ctx] { ctx.succeed(R"({"done":true})"); });
  }
};

std::shared_ptr<jobs::handler_registry> test_kinds() {
  auto kinds = std::make_shared<jobs::handler_registry>();
  jobs::add_builtin_kinds(*kinds);
  kinds->add("count", jobs::synchronous([](jobs::job_context& ctx) {
               seen.ran(ctx.job().job_id);
               ctx.succeed("{}");
             }));
  kinds->add("always_fail", jobs::synchronous([](jobs::job_context& ctx) {
               ctx.fail("boom on attempt " + std::to_string(ctx.job().attempt));
             }));
  kinds->add("throws", jobs::synchronous([](jobs::job_context&) -> void { throw std::runtime_error{"bug"}; }));
  kinds->add("wait_cancel", [] { return std::make_unique<wait_for_cancel>(); });
  kinds->add("halfway", [] { return std::make_unique<halfway>(); });
  return kinds;
}

// Collects job events, answers the test's request for them.
using events_atom = caf::atom_constant<caf::atom("events")>;
caf::behavior event_sink(caf::stateful_actor<std::vector<protocol::job_event>>* self) {
  return {
      [self](protocol::job_event& e) { self->state.push_back(std::move(e)); },
      [self](events_atom) { return self->state; },
  };
}

// One node: a pool, the jobs supervisor, its handles.
struct node {
  std::optional<storage::pg_pool> pool;
  jobs::jobs_handles handles;
  caf::actor supervisor;
};

class JobsActorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(db.emplace()) << "needs the test cluster (DELTA_TEST_DATABASE_URL)";
    storage::apply_migrations(db->url(), storage::load_migrations(DELTA_MIGRATIONS_DIR));
    protocol::register_types(cfg);
    cfg.set("scheduler.max-threads", 2);
    cfg.set("logger.verbosity", caf::atom("quiet"));
    system.emplace(cfg);
    seen.runs.clear();
    seen.waiting = 0;
    seen.cancelled = 0;
  }

  void TearDown() override {
    for (auto& n : nodes) caf::anon_send_exit(n->supervisor, caf::exit_reason::user_shutdown);
    if (system) system->await_all_actors_done();
    for (auto& n : nodes) n->pool->stop();
  }

  node& start_node(const std::string& id, const std::string& schedules = "",
                   protocol::slot_ptr<caf::actor> events = nullptr) {
    auto n = std::make_unique<node>();
    storage::pool_options o;
    o.url = db->url();
    o.size = 3;
    n->pool.emplace(o);
    storage::jobs::register_statements(*n->pool);
    n->pool->start();
    jobs::jobs_options options;
    options.node_id = id;
    options.concurrency = 16;
    options.poll_interval = 50ms;
    options.lease = 30s;
    options.listen_url = db->url();
    options.schedules = schedules;
    options.backoff = {1ms, 5ms, 1ms};
    options.events = std::move(events);
    n->supervisor = delta::runtime::spawn_supervisor(
        *system, jobs::jobs_supervisor(*n->pool, options, kinds, n->handles));
    // The supervisor starts its children from its own thread: wait for them.
    auto& h = n->handles;
    EXPECT_TRUE(eventually([&h] { return h.api->get() && h.dispatcher->get(); }));
    nodes.push_back(std::move(n));
    return *nodes.back();
  }

  storage::pg_pool& pool() { return *nodes.front()->pool; }

  void enqueue_many(const std::string& kind, int n, int max_attempts = 3) {
    storage::jobs::new_job j;
    j.kind = kind;
    j.max_attempts = max_attempts;
    auto reply = call_and_wait(pool(), storage::jobs::enqueue_batch(std::vector<storage::jobs::new_job>(n, j)));
    ASSERT_TRUE(reply.ok()) << reply.error->message;
  }

  template <class... Ts>
  protocol::job_view api_call(Ts... xs) {
    caf::scoped_actor self{*system};
    protocol::job_view out;
    self->request(nodes.front()->handles.api->get(), 10s, xs...)
        .receive([&](protocol::job_view& v) { out = std::move(v); },
                 [&](caf::error& e) { ADD_FAILURE() << system->render(e); });
    return out;
  }

  std::int64_t count(const std::string& status) {
    auto reply = call_and_wait(pool(), storage::jobs::depth());
    if (!reply.ok()) return -1;
    for (auto& [s, n] : storage::jobs::to_depth(reply.results.at(0)))
      if (s == status) return n;
    return 0;
  }

  storage::jobs::job_row job(const std::string& id) {
    auto reply = call_and_wait(pool(), storage::jobs::get(id));
    return reply.ok() ? storage::jobs::to_job(reply.results.at(0)).value_or(storage::jobs::job_row{})
                      : storage::jobs::job_row{};
  }

  template <class Pred>
  bool eventually(Pred done, std::chrono::milliseconds limit = 20s) {
    return delta::testing::eventually(done, limit);
  }

  std::optional<delta::testing::scratch_database> db;
  caf::actor_system_config cfg;
  std::optional<caf::actor_system> system;
  std::shared_ptr<jobs::handler_registry> kinds = test_kinds();
  std::vector<std::unique_ptr<node>> nodes;
};

}  // namespace

TEST_F(JobsActorsTest, EveryEnqueuedNoopJobSucceeds) {
  start_node("node-a");
  enqueue_many("noop", 500);
  EXPECT_TRUE(eventually([&] { return count("succeeded") == 500; })) << count("succeeded") << " succeeded";
  EXPECT_EQ(count("queued"), 0);
  EXPECT_EQ(count("running"), 0);
}

TEST_F(JobsActorsTest, AJobEnqueuedThroughTheApiRunsAndShowsItsResult) {
  start_node("node-a");
  protocol::job_request r;
  r.kind = "backtest";
  r.payload = R"({"strategy":{"type":"sma_cross","fast":1,"slow":2},
                  "candles":[{"close":12},{"close":10},{"close":11},{"close":12},{"close":10.5},{"close":10}]})";
  auto queued = api_call(protocol::enqueue_job_atom::value, r);
  EXPECT_EQ(queued.status, "queued");
  ASSERT_FALSE(queued.job_id.empty());
  EXPECT_TRUE(eventually([&] { return job(queued.job_id).status == "succeeded"; }));
  auto done = api_call(protocol::get_job_atom::value, queued.job_id);
  EXPECT_EQ(done.status, "succeeded");
  EXPECT_EQ(done.progress, 100);
  ASSERT_TRUE(done.result);
  EXPECT_NE(done.result->find("\"trades\": 1"), std::string::npos) << *done.result;
}

TEST_F(JobsActorsTest, AFailingKindIsRetriedWithBackoffThenDeadAndAnAdminRetryRunsItAgain) {
  start_node("node-a");
  protocol::job_request r;
  r.kind = "always_fail";
  r.max_attempts = 3;
  auto id = api_call(protocol::enqueue_job_atom::value, r).job_id;
  ASSERT_TRUE(eventually([&] { return job(id).status == "dead"; }));
  auto dead = job(id);
  EXPECT_EQ(dead.attempts, 3);
  EXPECT_EQ(dead.error, std::optional<std::string>{"boom on attempt 3"});

  auto retried = api_call(protocol::retry_job_atom::value, id);
  EXPECT_EQ(retried.status, "queued");
  EXPECT_EQ(retried.attempts, 0);
  EXPECT_TRUE(eventually([&] { return job(id).status == "dead" && job(id).attempts == 3; }));
}

TEST_F(JobsActorsTest, AHandlerThatThrowsFailsItsAttemptAndTheJobEndsDead) {
  start_node("node-a");
  enqueue_many("throws", 1, 2);
  ASSERT_TRUE(eventually([&] { return count("dead") == 1; }));
  auto reply = call_and_wait(pool(), storage::pg_statement::literal("SELECT error FROM jobs WHERE kind = 'throws'"));
  ASSERT_TRUE(reply.ok());
  EXPECT_NE(reply.results.at(0).rows.at(0)[0].value_or("").find("bug"), std::string::npos);
  enqueue_many("noop", 5);  // the dispatcher is still serving
  EXPECT_TRUE(eventually([&] { return count("succeeded") == 5; }));
}

TEST_F(JobsActorsTest, CancellingARunningJobStopsItsHandler) {
  start_node("node-a");
  protocol::job_request r;
  r.kind = "wait_cancel";
  auto id = api_call(protocol::enqueue_job_atom::value, r).job_id;
  ASSERT_TRUE(eventually([&] { return seen.waiting == 1 && job(id).status == "running"; }));
  auto view = api_call(protocol::cancel_job_atom::value, id);
  // Cancel requested: the handler stops cooperatively, possibly before the view was read.
  EXPECT_TRUE(view.status == "running" || view.status == "cancelled") << view.status;
  EXPECT_TRUE(eventually([&] { return seen.cancelled == 1 && job(id).status == "cancelled"; }));
  EXPECT_EQ(job(id).lease_owner, "");
}

TEST_F(JobsActorsTest, TwoNodesOnTwoPoolsRunEveryJobExactlyOnce) {
  start_node("node-a");
  start_node("node-b");
  constexpr int total = 1000;
  enqueue_many("count", total);
  ASSERT_TRUE(eventually([&] { return count("succeeded") == total; })) << count("succeeded");
  std::lock_guard guard{seen.mutex};
  EXPECT_EQ(seen.runs.size(), std::size_t{total});
  for (auto& [id, runs] : seen.runs) EXPECT_EQ(runs, 1) << id;
}

TEST_F(JobsActorsTest, AScheduleSharedByTwoNodesEnqueuesOneJobPerTick) {
  start_node("node-a", "count=@every 1s");
  start_node("node-b", "count=@every 1s");
  ASSERT_TRUE(eventually([&] { return count("succeeded") >= 3; }));
  auto reply = call_and_wait(pool(), storage::pg_statement::literal(
                                         "SELECT (SELECT count(*) FROM job_schedule_ticks WHERE schedule = 'count'), "
                                         "(SELECT count(*) FROM jobs WHERE kind = 'count')"));
  ASSERT_TRUE(reply.ok());
  auto& row = reply.results.at(0).rows.at(0);
  EXPECT_EQ(row[0], row[1]) << "ticks vs jobs";
}

TEST_F(JobsActorsTest, DrainingReleasesTheJobsItCouldNotFinishForAnotherNode) {
  auto& a = start_node("node-a");
  enqueue_many("wait_cancel", 2);
  enqueue_many("noop", 3);
  ASSERT_TRUE(eventually([&] { return seen.waiting == 2 && count("succeeded") == 3; }));
  EXPECT_EQ(jobs::drain_jobs(*system, a.handles, 100ms), 2);
  EXPECT_EQ(count("queued"), 2);
  auto reply = call_and_wait(pool(), storage::pg_statement::literal("SELECT max(attempts) FROM jobs WHERE kind = 'wait_cancel'"));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply.results.at(0).rows.at(0)[0], std::optional<std::string>{"0"});
  start_node("node-b");  // takes them at once
  EXPECT_TRUE(eventually([&] { return seen.waiting == 4 && count("running") == 2; }));
}

TEST_F(JobsActorsTest, ProgressAndCompletionReachTheEventsSubscriber) {
  auto sink = system->spawn(event_sink);
  auto events = std::make_shared<protocol::actor_slot<caf::actor>>();
  events->set(sink);
  start_node("node-a", "", events);
  enqueue_many("halfway", 1);
  std::vector<protocol::job_event> got;
  caf::scoped_actor self{*system};
  ASSERT_TRUE(eventually([&] {
    self->request(sink, 10s, events_atom::value).receive(
        [&](std::vector<protocol::job_event>& e) { got = std::move(e); }, [](caf::error&) {});
    return got.size() >= 2;
  }));
  EXPECT_EQ(got[0].status, "running");
  EXPECT_EQ(got[0].progress, 50);
  EXPECT_EQ(got[1].status, "succeeded");
  EXPECT_EQ(got[1].result, caf::optional<std::string>{R"({"done":true})"});
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
}
