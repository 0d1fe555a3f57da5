// storage/jobs_repository.hpp against a real, migrated PostgreSQL: enqueue
// and unique keys, concurrent claimers on two pools never sharing a job,
// leases (renewal only by the holder, reclaim after expiry, a lost holder
// changing nothing), retries with run_at in the future then the dead-letter
// queue, cancel of queued and running jobs, release on shutdown, the admin
// listing, retry of a dead job, queue depth, and once-per-tick schedules.
#include "storage/jobs_repository.hpp"

#include "tests/integration/support/migrated_pool.hpp"
#include "tests/integration/support/test_database.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

using namespace delta::storage;
using delta::testing::call_and_wait;
using delta::testing::migrated_pool_test;
namespace jobs = delta::storage::jobs;

namespace {

constexpr std::int64_t lease_ms = 30000;

jobs::new_job a_job(const std::string& kind = "noop", const std::string& unique_key = "") {
  jobs::new_job j;
  j.kind = kind;
  j.payload = R"({"n": 1})";
  j.max_attempts = 3;
  j.unique_key = unique_key;
  return j;
}

class JobsRepositoryTest : public migrated_pool_test {
 protected:
  void SetUp() override { start(4, jobs::register_statements); }

  // A second pool on the same database: another node.
  pg_pool& second_pool() {
    if (!other) {
      pool_options o;
      o.url = db->url();
      o.size = 2;
      other.emplace(o);
      jobs::register_statements(*other);
      other->start();
    }
    return *other;
  }

  void TearDown() override {
    if (other) other->stop();
    migrated_pool_test::TearDown();
  }

  std::string enqueue(const jobs::new_job& j) {
    auto reply = call_and_wait(*pool, jobs::enqueue(j));
    EXPECT_TRUE(reply.ok()) << reply.error->message;
    auto e = reply.ok() ? jobs::to_enqueued(reply.results) : std::nullopt;
    EXPECT_TRUE(e);
    return e ? e->job_id : "";
  }

  std::vector<jobs::claimed_job> claim(const std::string& node, int limit = 10, pg_pool* on = nullptr) {
    auto reply = call_and_wait(on ? *on : *pool, jobs::claim(node, limit, lease_ms));
    EXPECT_TRUE(reply.ok()) << reply.error->message;
    return reply.ok() ? jobs::to_claimed(reply.results) : std::vector<jobs::claimed_job>{};
  }

  jobs::job_row job(const std::string& id) {
    auto found = jobs::to_job(one(jobs::get(id)));
    EXPECT_TRUE(found) << id;
    return found.value_or(jobs::job_row{});
  }

  void expire_lease(const std::string& id) {
    one(pg_statement::literal(
        "UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE job_id = $1::uuid", {id}));
  }

  std::optional<pg_pool> other;
};

}  // namespace

TEST_F(JobsRepositoryTest, AnEnqueuedJobIsQueuedDueNowWithItsPayload) {
  auto id = enqueue(a_job());
  auto j = job(id);
  EXPECT_EQ(j.job_id, id);
  EXPECT_EQ(j.kind, "noop");
  EXPECT_EQ(j.status, "queued");
  EXPECT_EQ(j.payload, R"({"n": 1})");
  EXPECT_EQ(j.attempts, 0);
  EXPECT_EQ(j.max_attempts, 3);
  EXPECT_EQ(j.progress, 0);
  EXPECT_FALSE(j.result);
  EXPECT_FALSE(j.error);
  EXPECT_EQ(j.owner, "");
  EXPECT_FALSE(j.created_at.empty());
  EXPECT_TRUE(j.started_at.empty());
}

TEST_F(JobsRepositoryTest, AUniqueKeyReturnsTheLiveJobUntilItFinishes) {
  auto first = enqueue(a_job("noop", "report:AAPL"));
  auto reply = call_and_wait(*pool, jobs::enqueue(a_job("noop", "report:AAPL")));
  ASSERT_TRUE(reply.ok());
  auto again = jobs::to_enqueued(reply.results);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->job_id, first);
  EXPECT_FALSE(again->created);
  // Still one while running...
  ASSERT_EQ(claim("node-a").size(), 1u);
  EXPECT_EQ(enqueue(a_job("noop", "report:AAPL")), first);
  // ...and a new job once the first one finished.
  EXPECT_EQ(jobs::to_ids(one(jobs::complete("node-a", {{first, "{}"}}))).size(), 1u);
  auto third = enqueue(a_job("noop", "report:AAPL"));
  EXPECT_NE(third, first);
  EXPECT_NE(enqueue(a_job("noop", "report:MSFT")), third);
}

TEST_F(JobsRepositoryTest, ABatchEnqueueSkipsKeysThatAreLive) {
  enqueue(a_job("noop", "k1"));
  std::vector<jobs::new_job> batch{a_job("noop", "k1"), a_job("noop", "k2"), a_job(), a_job()};
  EXPECT_EQ(jobs::to_ids(one(jobs::enqueue_batch(batch))).size(), 3u);
  EXPECT_EQ(jobs::to_depth(one(jobs::depth())),
            (std::vector<std::pair<std::string, std::int64_t>>{{"queued", 4}}));
}

TEST_F(JobsRepositoryTest, AClaimLeasesDueJobsByPriorityAndChargesAnAttempt) {
  auto low = enqueue(a_job());
  auto high_job = a_job();
  high_job.priority = 10;
  auto high = enqueue(high_job);
  auto later_job = a_job();
  later_job.delay_ms = 3600000;
  auto later = enqueue(later_job);

  auto claimed = claim("node-a", 1);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].job_id, high);
  EXPECT_EQ(claimed[0].attempts, 1);
  EXPECT_EQ(claimed[0].payload, R"({"n": 1})");
  claimed = claim("node-a", 10);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].job_id, low);
  EXPECT_TRUE(claim("node-a", 10).empty());  // `later` is not due

  auto j = job(high);
  EXPECT_EQ(j.status, "running");
  EXPECT_EQ(j.lease_owner, "node-a");
  EXPECT_FALSE(j.lease_expires_at.empty());
  EXPECT_FALSE(j.started_at.empty());
  EXPECT_EQ(job(later).status, "queued");
}

TEST_F(JobsRepositoryTest, TwoNodesClaimingConcurrentlyNeverGetTheSameJob) {
  constexpr int total = 600;
  std::vector<jobs::new_job> batch(total, a_job());
  ASSERT_EQ(jobs::to_ids(one(jobs::enqueue_batch(batch))).size(), std::size_t{total});
  auto& other_pool = second_pool();

  // Each node claims in small batches, several claims in flight at once.
  auto drain = [&](pg_pool& p, const std::string& node) {
    std::vector<std::string> got;
    for (;;) {
      std::vector<std::thread> threads;
      std::vector<std::vector<jobs::claimed_job>> rounds(3);
      for (auto& r : rounds)
        threads.emplace_back([&p, &node, &r] {
          auto reply = call_and_wait(p, jobs::claim(node, 7, lease_ms));
          if (reply.ok()) r = jobs::to_claimed(reply.results);
        });
      for (auto& t : threads) t.join();
      std::size_t n = 0;
      for (auto& r : rounds) {
        n += r.size();
        for (auto& c : r) got.push_back(c.job_id);
      }
      if (n == 0) return got;
    }
  };
  std::vector<std::string> a, b;
  std::thread ta{[&] { a = drain(*pool, "node-a"); }};
  std::thread tb{[&] { b = drain(other_pool, "node-b"); }};
  ta.join();
  tb.join();

  std::set<std::string> all(a.begin(), a.end());
  EXPECT_EQ(all.size(), a.size()) << "node-a got a job twice";
  for (auto& id : b) EXPECT_TRUE(all.insert(id).second) << "both nodes claimed " << id;
  EXPECT_EQ(all.size(), std::size_t{total});
  EXPECT_FALSE(a.empty());
  EXPECT_FALSE(b.empty());
}

TEST_F(JobsRepositoryTest, OnlyTheLeaseHolderRenewsReportsProgressAndCompletes) {
  auto id = enqueue(a_job());
  ASSERT_EQ(claim("node-a").size(), 1u);
  EXPECT_EQ(jobs::to_lease_check(one(jobs::renew_lease(id, "node-a", lease_ms))), std::optional<bool>{false});
  EXPECT_EQ(jobs::to_lease_check(one(jobs::renew_lease(id, "node-b", lease_ms))), std::nullopt);
  EXPECT_EQ(jobs::to_lease_check(one(jobs::report_progress(id, "node-a", 140))), std::optional<bool>{false});
  EXPECT_EQ(job(id).progress, 100);
  EXPECT_EQ(jobs::to_lease_check(one(jobs::report_progress(id, "node-a", 40))), std::optional<bool>{false});
  EXPECT_EQ(job(id).progress, 40);
  EXPECT_TRUE(jobs::to_ids(one(jobs::complete("node-b", {{id, R"({"x":1})"}}))).empty());
  EXPECT_EQ(job(id).status, "running");
  EXPECT_EQ(jobs::to_ids(one(jobs::complete("node-a", {{id, R"({"x":1})"}}))), std::vector<std::string>{id});
  auto j = job(id);
  EXPECT_EQ(j.status, "succeeded");
  EXPECT_EQ(j.result, std::optional<std::string>{R"({"x": 1})"});
  EXPECT_EQ(j.progress, 100);
  EXPECT_EQ(j.lease_owner, "");
  EXPECT_FALSE(j.finished_at.empty());
}

TEST_F(JobsRepositoryTest, ABatchCompletionFinishesOnlyTheJobsStillHeld) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(enqueue(a_job()));
  ASSERT_EQ(claim("node-a").size(), 5u);
  expire_lease(ids[0]);
  ASSERT_EQ(claim("node-b").size(), 1u);  // ids[0] moved to node-b
  std::vector<jobs::finished_job> done;
  for (auto& id : ids) done.push_back({id, R"({"ok": true})"});
  auto finished = jobs::to_ids(one(jobs::complete("node-a", done)));
  EXPECT_EQ(finished.size(), 4u);
  EXPECT_EQ(std::count(finished.begin(), finished.end(), ids[0]), 0);
  EXPECT_EQ(job(ids[0]).status, "running");
  EXPECT_EQ(job(ids[1]).status, "succeeded");
}

TEST_F(JobsRepositoryTest, AJobWhoseLeaseExpiredIsClaimedAgainAndRunByTheNewHolder) {
  auto id = enqueue(a_job());
  ASSERT_EQ(claim("node-a").size(), 1u);
  EXPECT_TRUE(claim("node-b").empty());  // the lease still holds
  expire_lease(id);                      // node-a died
  auto again = claim("node-b", 10, &second_pool());
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].job_id, id);
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_EQ(job(id).lease_owner, "node-b");
  // The old holder wakes up: it can change nothing any more.
  EXPECT_EQ(jobs::to_lease_check(one(jobs::renew_lease(id, "node-a", lease_ms))), std::nullopt);
  EXPECT_TRUE(one(jobs::fail(id, "node-a", "late", 0, false)).rows.empty());
  EXPECT_EQ(jobs::to_ids(one(jobs::complete("node-b", {{id, "{}"}}))).size(), 1u);
  EXPECT_EQ(job(id).status, "succeeded");
}

TEST_F(JobsRepositoryTest, FailedAttemptsRetryAfterTheirDelayThenGoToTheDeadLetterQueue) {
  auto id = enqueue(a_job());  // max_attempts 3
  for (int attempt = 1; attempt <= 2; ++attempt) {
    auto c = claim("node-a");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].attempts, attempt);
    auto r = one(jobs::fail(id, "node-a", "boom " + std::to_string(attempt), 0, false));
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0][0], std::optional<std::string>{"failed"});
    auto j = job(id);
    EXPECT_EQ(j.status, "failed");
    EXPECT_EQ(j.lease_owner, "");
    EXPECT_EQ(j.error, std::optional<std::string>{"boom " + std::to_string(attempt)});
  }
  ASSERT_EQ(claim("node-a").size(), 1u);
  auto r = one(jobs::fail(id, "node-a", "boom 3", 0, false));
  EXPECT_EQ(r.rows.at(0)[0], std::optional<std::string>{"dead"});
  auto j = job(id);
  EXPECT_EQ(j.status, "dead");
  EXPECT_EQ(j.attempts, 3);
  EXPECT_EQ(j.error, std::optional<std::string>{"boom 3"});
  EXPECT_FALSE(j.finished_at.empty());
  EXPECT_TRUE(claim("node-a").empty());
}

TEST_F(JobsRepositoryTest, ARetryIsNotClaimedBeforeItsBackoffHasPassed) {
  auto id = enqueue(a_job());
  ASSERT_EQ(claim("node-a").size(), 1u);
  one(jobs::fail(id, "node-a", "transient", 60000, false));
  EXPECT_TRUE(claim("node-a").empty());
  one(pg_statement::literal("UPDATE jobs SET run_at = now() WHERE job_id = $1::uuid", {id}));
  EXPECT_EQ(claim("node-a").size(), 1u);
}

TEST_F(JobsRepositoryTest, APermanentFailureIsDeadAtOnce) {
  auto id = enqueue(a_job());
  ASSERT_EQ(claim("node-a").size(), 1u);
  EXPECT_EQ(one(jobs::fail(id, "node-a", "bad payload", 1000, true)).rows.at(0)[0],
            std::optional<std::string>{"dead"});
  EXPECT_EQ(job(id).attempts, 1);
}

TEST_F(JobsRepositoryTest, AnExpiredLeaseOnTheLastAttemptIsDeadRatherThanRunAgain) {
  auto j = a_job();
  j.max_attempts = 1;
  auto id = enqueue(j);
  ASSERT_EQ(claim("node-a").size(), 1u);
  expire_lease(id);
  EXPECT_TRUE(claim("node-b").empty());
  auto row = job(id);
  EXPECT_EQ(row.status, "dead");
  EXPECT_NE(row.error.value_or("").find("lease expired"), std::string::npos);
}

TEST_F(JobsRepositoryTest, CancellingAQueuedJobCancelsItAtOnce) {
  auto id = enqueue(a_job());
  auto reply = call_and_wait(*pool, jobs::cancel(id));
  ASSERT_TRUE(reply.ok());
  ASSERT_EQ(reply.results.at(0).rows.size(), 1u);
  EXPECT_EQ(reply.results[0].rows[0][0], std::optional<std::string>{"cancelled"});
  EXPECT_EQ(jobs::to_job(reply.results.at(1))->status, "cancelled");
  EXPECT_TRUE(claim("node-a").empty());
}

TEST_F(JobsRepositoryTest, CancellingARunningJobAsksItsHolderWhichThenMarksItCancelled) {
  auto id = enqueue(a_job());
  ASSERT_EQ(claim("node-a").size(), 1u);
  auto reply = call_and_wait(*pool, jobs::cancel(id));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply.results.at(0).rows.at(0)[0], std::optional<std::string>{"running"});
  auto j = jobs::to_job(reply.results.at(1));
  EXPECT_EQ(j->status, "running");
  EXPECT_TRUE(j->cancel_requested);
  // The holder learns it at its next renewal and stops its handler.
  EXPECT_EQ(jobs::to_lease_check(one(jobs::renew_lease(id, "node-a", lease_ms))), std::optional<bool>{true});
  EXPECT_EQ(one(jobs::mark_cancelled(id, "node-a")).rows.size(), 1u);
  EXPECT_EQ(job(id).status, "cancelled");
  EXPECT_EQ(job(id).lease_owner, "");
}

TEST_F(JobsRepositoryTest, CancellingAFinishedOrUnknownJobChangesNothing) {
  auto id = enqueue(a_job());
  ASSERT_EQ(claim("node-a").size(), 1u);
  one(jobs::complete("node-a", {{id, "{}"}}));
  auto reply = call_and_wait(*pool, jobs::cancel(id));
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(reply.results.at(0).rows.empty());
  EXPECT_EQ(jobs::to_job(reply.results.at(1))->status, "succeeded");
  reply = call_and_wait(*pool, jobs::cancel("00000000-0000-0000-0000-000000000000"));
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(reply.results.at(0).rows.empty());
  EXPECT_FALSE(jobs::to_job(reply.results.at(1)));
}

TEST_F(JobsRepositoryTest, AnExpiredLeaseOfACancelRequestedJobEndsCancelled) {
  auto id = enqueue(a_job());
  ASSERT_EQ(claim("node-a").size(), 1u);
  call_and_wait(*pool, jobs::cancel(id));
  expire_lease(id);
  EXPECT_TRUE(claim("node-b").empty());
  EXPECT_EQ(job(id).status, "cancelled");
}

TEST_F(JobsRepositoryTest, ReleasingANodesLeasesRequeuesItsJobsWithoutChargingTheAttempt) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(enqueue(a_job()));
  auto other_job = enqueue(a_job());
  ASSERT_EQ(claim("node-a", 3).size(), 3u);
  ASSERT_EQ(claim("node-b", 3).size(), 1u);
  call_and_wait(*pool, jobs::cancel(ids[2]));
  auto released = jobs::to_ids(one(jobs::release_leases("node-a")));
  EXPECT_EQ(std::set<std::string>(released.begin(), released.end()), std::set<std::string>(ids.begin(), ids.end()));
  EXPECT_EQ(job(ids[0]).status, "queued");
  EXPECT_EQ(job(ids[0]).attempts, 0);
  EXPECT_EQ(job(ids[2]).status, "cancelled");  // it was being cancelled anyway
  EXPECT_EQ(job(other_job).status, "running");  // node-b's lease is untouched
  // Another node takes them at once, without waiting for lease expiry.
  auto taken = claim("node-c", 10);
  EXPECT_EQ(taken.size(), 2u);
  for (auto& c : taken) EXPECT_EQ(c.attempts, 1);
}

TEST_F(JobsRepositoryTest, ListsJobsByStatusNewestFirstWithATotal) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto j = a_job();
    j.max_attempts = 1;
    ids.push_back(enqueue(j));
  }
  for (auto& c : claim("node-a", 3)) one(jobs::fail(c.job_id, "node-a", "no", 0, false));
  auto page = jobs::to_page(call_and_wait(*pool, jobs::list("dead", 2, 0)).results);
  EXPECT_EQ(page.total, 3);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_GE(page.items[0].created_at, page.items[1].created_at);
  for (auto& j : page.items) EXPECT_EQ(j.status, "dead");
  auto rest = jobs::to_page(call_and_wait(*pool, jobs::list("dead", 2, 2)).results);
  EXPECT_EQ(rest.items.size(), 1u);
  EXPECT_EQ(jobs::to_page(call_and_wait(*pool, jobs::list("", 50, 0)).results).total, 5);
  EXPECT_EQ(jobs::to_depth(one(jobs::depth())),
            (std::vector<std::pair<std::string, std::int64_t>>{{"dead", 3}, {"queued", 2}}));
}

TEST_F(JobsRepositoryTest, RetryingADeadJobQueuesItAgainWithFreshAttempts) {
  auto j = a_job();
  j.max_attempts = 1;
  auto id = enqueue(j);
  ASSERT_EQ(claim("node-a").size(), 1u);
  one(jobs::fail(id, "node-a", "no", 0, false));
  auto retried = jobs::to_job(one(jobs::retry_dead(id)));
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->status, "queued");
  EXPECT_EQ(retried->attempts, 0);
  EXPECT_FALSE(retried->error);
  EXPECT_TRUE(retried->finished_at.empty());
  EXPECT_FALSE(jobs::to_job(one(jobs::retry_dead(id))));  // not dead any more
  EXPECT_EQ(claim("node-a").size(), 1u);
}

TEST_F(JobsRepositoryTest, EachTickOfAScheduleIsEnqueuedByExactlyOneNode) {
  auto& other_pool = second_pool();
  jobs::new_job refresh;
  refresh.kind = "refresh_summaries";
  const std::string tick = "2026-11-22T10:05:00Z";
  // Both nodes race for the same tick, several times each.
  std::vector<pg_reply> replies(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < replies.size(); ++i)
    threads.emplace_back([&, i] {
      replies[i] = call_and_wait(i % 2 ? other_pool : *pool, jobs::claim_tick("refresh_summaries", tick, refresh));
    });
  for (auto& t : threads) t.join();
  int winners = 0;
  for (auto& r : replies) {
    ASSERT_TRUE(r.ok()) << r.error->message;
    winners += static_cast<int>(r.results.at(0).rows.size());
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(jobs::to_depth(one(jobs::depth())),
            (std::vector<std::pair<std::string, std::int64_t>>{{"queued", 1}}));
  // The next tick is a new race with a new winner.
  EXPECT_EQ(one(jobs::claim_tick("refresh_summaries", "2026-11-22T10:10:00Z", refresh)).rows.size(), 1u);
}
