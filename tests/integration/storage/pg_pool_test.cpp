// storage/pg_pool.hpp and the securities repository against a real, migrated
// PostgreSQL: prepared statements, paging, transactions, failure kinds,
// concurrency, statistics and stop().
#include "storage/pg_pool.hpp"

#include "storage/migrator.hpp"
#include "storage/pg_connection.hpp"
#include "storage/security_repository.hpp"
#include "tests/integration/support/test_database.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <optional>
#include <thread>

using namespace delta::storage;
using delta::testing::call_and_wait;
using delta::testing::scratch_database;
namespace securities = delta::storage::securities;
using namespace std::chrono_literals;

namespace {

constexpr int test_tickers = 30;  // T0000 .. T0029

pg_statement insert_security(const std::string& ticker, const std::string& name = "Inserted") {
  return pg_statement::literal(
      "INSERT INTO securities (ticker, name, security_type, currency) VALUES ($1, $2, 'equity', 'USD')",
      {ticker, name});
}

class PgPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(db.emplace()) << "needs the test cluster (DELTA_TEST_DATABASE_URL)";
    apply_migrations(db->url(), load_migrations(DELTA_MIGRATIONS_DIR));
    pg_connection conn{db->url()};
    conn.exec_script(R"sql(
      INSERT INTO securities (ticker, name, security_type, exchange, currency) VALUES
        ('AAPL', 'Apple Inc.', 'equity', 'NASDAQ', 'USD'),
        ('MSFT', 'Microsoft Corporation', 'equity', 'NASDAQ', 'USD');
      INSERT INTO securities (ticker, name, security_type, exchange, currency, active) VALUES
        ('BTC-USD', 'Bitcoin 100% Digital_Gold', 'crypto', NULL, 'USD', false);
      INSERT INTO securities (ticker, name, security_type, exchange, currency)
        SELECT 'T' || lpad(g::text, 4, '0'), 'Test security ' || g, 'equity', 'XTST', 'EUR'
        FROM generate_series(0, 29) g;
    )sql");
    pool_options options;
    options.url = db->url();
    options.size = 2;
    options.max_backoff_ms = 200;
    pool.emplace(options);
    securities::register_statements(*pool);
    pool->start();
  }

  void TearDown() override {
    if (pool) pool->stop();
  }

  std::optional<delta::protocol::security> by_ticker(const std::string& ticker) {
    auto reply = call_and_wait(*pool, securities::by_ticker(ticker));
    EXPECT_TRUE(reply.ok()) << reply.error->message;
    if (!reply.ok() || reply.results.size() != 1) return std::nullopt;
    return securities::to_security(reply.results[0]);
  }

  delta::protocol::security_page search(const std::string& q, int limit, std::int64_t offset) {
    auto reply = call_and_wait(*pool, securities::search({q, limit, offset}), false);
    EXPECT_TRUE(reply.ok()) << reply.error->message;
    if (!reply.ok()) return {};
    return securities::to_page(reply.results);
  }

  std::optional<scratch_database> db;
  std::optional<pg_pool> pool;
};

}  // namespace

TEST_F(PgPoolTest, FindsASecurityByTickerWithAPreparedStatement) {
  auto s = by_ticker("AAPL");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->security_id.empty());
  EXPECT_EQ(s->security_id.find_first_not_of("0123456789"), std::string::npos) << s->security_id;
  EXPECT_EQ(s->ticker, "AAPL");
  EXPECT_EQ(s->name, "Apple Inc.");
  EXPECT_EQ(s->security_type, "equity");
  ASSERT_TRUE(s->exchange);
  EXPECT_EQ(*s->exchange, "NASDAQ");
  EXPECT_EQ(s->currency, "USD");
  EXPECT_TRUE(s->active);
}

TEST_F(PgPoolTest, ConvertsNullExchangeAndInactiveFlag) {
  auto s = by_ticker("BTC-USD");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->exchange);
  EXPECT_FALSE(s->active);
}

TEST_F(PgPoolTest, FindsNothingForAnUnknownTicker) {
  auto reply = call_and_wait(*pool, securities::by_ticker("ZZZZ"));
  ASSERT_TRUE(reply.ok());
  ASSERT_EQ(reply.results.size(), 1u);
  EXPECT_FALSE(securities::to_security(reply.results[0]));
}

TEST_F(PgPoolTest, SearchPagesInTickerOrderAndCountsTheTotal) {
  auto first = search("T00", 10, 0);
  EXPECT_EQ(first.total, test_tickers);
  ASSERT_EQ(first.items.size(), 10u);
  EXPECT_EQ(first.items.front().ticker, "T0000");
  EXPECT_EQ(first.items.back().ticker, "T0009");

  auto last = search("T00", 10, 25);
  EXPECT_EQ(last.total, test_tickers);
  ASSERT_EQ(last.items.size(), 5u);
  EXPECT_EQ(last.items.front().ticker, "T0025");

  auto beyond = search("T00", 10, 1000);
  EXPECT_EQ(beyond.total, test_tickers);
  EXPECT_TRUE(beyond.items.empty());

  auto everything = search("", 1000, 0);
  EXPECT_EQ(everything.total, test_tickers + 3);
  EXPECT_EQ(everything.items.size(), static_cast<std::size_t>(test_tickers + 3));
}

TEST_F(PgPoolTest, SearchMatchesTickerPrefixOrNameSubstringIgnoringCase) {
  auto by_prefix = search("aa", 50, 0);
  ASSERT_EQ(by_prefix.items.size(), 1u);
  EXPECT_EQ(by_prefix.items[0].ticker, "AAPL");
  auto by_name = search("MICROSOFT", 50, 0);
  ASSERT_EQ(by_name.items.size(), 1u);
  EXPECT_EQ(by_name.items[0].ticker, "MSFT");
  EXPECT_EQ(search("nothing like this", 50, 0).total, 0);
}

TEST_F(PgPoolTest, SearchTreatsLikeWildcardsLiterally) {
  EXPECT_EQ(search("%", 50, 0).total, 1);  // only "Bitcoin 100% ..." has a percent sign
  EXPECT_EQ(search("_", 50, 0).total, 1);  // only "... Digital_Gold" has an underscore
  EXPECT_EQ(search("T_0", 50, 0).total, 0);
}

TEST_F(PgPoolTest, CommitsATransactionWhoseStatementsAllSucceed) {
  std::vector<pg_statement> steps;
  steps.push_back(insert_security("NEW1"));
  steps.push_back(insert_security("NEW2"));
  auto reply = call_and_wait(*pool, std::move(steps), true);
  ASSERT_TRUE(reply.ok()) << reply.error->message;
  ASSERT_EQ(reply.results.size(), 2u);  // BEGIN and COMMIT are not reported
  EXPECT_EQ(reply.results[0].affected, 1);
  EXPECT_TRUE(by_ticker("NEW1"));
  EXPECT_TRUE(by_ticker("NEW2"));
}

TEST_F(PgPoolTest, RollsBackATransactionWhenALaterStatementFails) {
  std::vector<pg_statement> steps;
  steps.push_back(insert_security("KEEPNOT"));
  steps.push_back(insert_security("lower-case is refused by a CHECK"));
  auto reply = call_and_wait(*pool, std::move(steps), true);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  EXPECT_EQ(reply.error->sqlstate, "23514");
  EXPECT_FALSE(by_ticker("KEEPNOT")) << "the first insert survived the rollback";
  // The connection is usable afterwards (not left inside the failed transaction).
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(by_ticker("AAPL"));
}

TEST_F(PgPoolTest, ReportsAUniqueViolationAsAConstraintFailure) {
  auto reply = call_and_wait(*pool, insert_security("AAPL"));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  EXPECT_EQ(reply.error->sqlstate, "23505");
}

TEST_F(PgPoolTest, ReportsABadQueryAsAQueryFailureAndKeepsWorking) {
  auto reply = call_and_wait(*pool, pg_statement::literal("SELECT * FROM no_such_table"));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::query);
  EXPECT_EQ(reply.error->sqlstate, "42P01");
  EXPECT_TRUE(by_ticker("AAPL"));
}

TEST_F(PgPoolTest, RunsLiteralSqlWithParametersAndNulls) {
  auto reply = call_and_wait(
      *pool, pg_statement::literal("SELECT $1::int + 1 AS n, $2::text IS NULL AS missing",
                                   {std::string{"41"}, std::nullopt}));
  ASSERT_TRUE(reply.ok()) << reply.error->message;
  auto& r = reply.results.at(0);
  EXPECT_EQ(r.columns, (std::vector<std::string>{"n", "missing"}));
  EXPECT_EQ(r.rows.at(0).at(r.column("n")), "42");
  EXPECT_EQ(r.rows.at(0).at(r.column("missing")), "t");
}

TEST_F(PgPoolTest, CompletesManyCallsFromSeveralThreads) {
  constexpr int threads = 4;
  constexpr int per_thread = 125;
  constexpr int total = threads * per_thread;
  std::atomic<int> done{0};
  std::atomic<int> ok{0};
  std::atomic<int> right_row{0};
  std::promise<void> all_done;
  auto all_done_future = all_done.get_future();
  auto on_reply = [&](int expected, pg_reply reply) {
    if (reply.ok()) {
      ++ok;
      auto s = securities::to_security(reply.results.at(0));
      char ticker[8];
      std::snprintf(ticker, sizeof ticker, "T%04d", expected);
      if (s && s->ticker == ticker) ++right_row;
    }
    if (++done == total) all_done.set_value();
  };
  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t)
    callers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        int n = (t * per_thread + i) % test_tickers;
        char ticker[8];
        std::snprintf(ticker, sizeof ticker, "T%04d", n);
        pool->call(securities::by_ticker(ticker), [&on_reply, n](pg_reply r) { on_reply(n, std::move(r)); });
      }
    });
  for (auto& c : callers) c.join();
  ASSERT_EQ(all_done_future.wait_for(60s), std::future_status::ready)
      << done.load() << " of " << total << " calls completed";
  EXPECT_EQ(ok.load(), total);
  EXPECT_EQ(right_row.load(), total);
  auto stats = pool->stats();
  EXPECT_GE(stats.calls, total);
  EXPECT_EQ(stats.failures, 0);
}

TEST_F(PgPoolTest, ReportsItsStatistics) {
  ASSERT_TRUE(by_ticker("AAPL"));
  auto s = pool->stats();
  EXPECT_EQ(s.size, 2);
  EXPECT_GE(s.connected, 1);
  EXPECT_LE(s.connected, 2);
  EXPECT_EQ(s.busy, 0);
  EXPECT_EQ(s.queued, 0);
  EXPECT_EQ(s.calls, 1);
  EXPECT_EQ(s.failures, 0);
  EXPECT_EQ(s.reconnects, 0);

  call_and_wait(*pool, pg_statement::literal("SELECT * FROM no_such_table"));
  s = pool->stats();
  EXPECT_EQ(s.calls, 2);
  EXPECT_EQ(s.failures, 1);

  // Both connections come up by themselves (bounded poll: nothing signals it).
  for (int round = 0; round < 100 && pool->stats().connected < 2; ++round)
    delta::testing::pause_between_polls(50ms);
  EXPECT_EQ(pool->stats().connected, 2);
}

TEST_F(PgPoolTest, AppliesTheStatementTimeout) {
  pool->stop();
  pool.reset();
  pool_options options;
  options.url = db->url();
  options.size = 1;
  options.statement_timeout_ms = 100;
  pool.emplace(options);
  pool->start();
  auto reply = call_and_wait(*pool, pg_statement::literal("SELECT pg_sleep(5)"));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->sqlstate, "57014");
  EXPECT_EQ(reply.error->kind, pg_failure::unavailable);
}

TEST_F(PgPoolTest, FailsCallsAsUnavailableAfterStop) {
  ASSERT_TRUE(by_ticker("AAPL"));
  pool->stop();
  auto reply = call_and_wait(*pool, securities::by_ticker("AAPL"), 5s);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::unavailable) << reply.error->message;
}
