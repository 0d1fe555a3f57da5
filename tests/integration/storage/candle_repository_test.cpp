// storage/candle_repository.hpp against a real, migrated PostgreSQL through
// the pool: monthly partitions (rows land in their month, the ensure
// function creates months ahead and moves rows out of the default
// partition), the one-statement idempotent upsert with its inserted/updated
// counts, resampling in SQL across bucket boundaries (checked against the
// pure resample() of the same candles), bounded reads of the first/latest
// bars, the schema's own OHLC checks, and the database candle source reading
// the same bars as the in-memory one.
#include "storage/candle_repository.hpp"

#include "actors/market/bar_plan.hpp"
#include "actors/market/candle_source.hpp"
#include "actors/market/database_candle_source.hpp"
#include "actors/market/resample.hpp"
#include "core/rfc3339.hpp"
#include "storage/pg_connection.hpp"
#include "storage/security_repository.hpp"
#include "tests/integration/support/migrated_pool.hpp"
#include "tests/integration/support/test_database.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <future>

using namespace delta::storage;
using delta::protocol::candle;
using delta::testing::call_and_wait;
using delta::testing::migrated_pool_test;
namespace market = delta::market;
namespace core = delta::core;

namespace {

constexpr std::int64_t minute = 60;
constexpr std::int64_t day = 86400;

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Midnight UTC of yesterday: inside a partition the migration created.
std::int64_t yesterday() { return (now_seconds() / day - 1) * day; }

// "candles_pYYYYMM" of the month holding `ts`.
std::string partition_of(std::int64_t ts) {
  auto text = core::format_rfc3339(ts);
  return "candles_p" + text.substr(0, 4) + text.substr(5, 2);
}

// Start of the month `months` after the one holding `ts`.
std::int64_t month_start(std::int64_t ts, int months) {
  auto text = core::format_rfc3339(ts);
  int year = std::stoi(text.substr(0, 4));
  int month = year * 12 + std::stoi(text.substr(5, 2)) - 1 + months;  // months since year 0
  return core::epoch_seconds(month / 12, static_cast<unsigned>(month % 12 + 1), 1);
}

// A deterministic walk of `n` consistent 1m candles from `start`, every
// value a multiple of 1/4 so sums are exact in any order.
std::vector<candle> walk(std::int64_t start, int n, double base = 100) {
  std::vector<candle> out;
  double price = base;
  for (int i = 0; i < n; ++i) {
    double open = price;
    double close = open + ((i * 7) % 5 - 2) * 0.25;
    double high = std::max(open, close) + (i % 3) * 0.25;
    double low = std::min(open, close) - (i % 2) * 0.5;
    out.push_back({start + i * minute, open, high, low, close, static_cast<double>(10 + i % 7)});
    price = close;
  }
  return out;
}

void expect_same_bars(const std::vector<candle>& got, const std::vector<candle>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].ts, want[i].ts) << i;
    EXPECT_EQ(got[i].open, want[i].open) << core::format_rfc3339(want[i].ts);
    EXPECT_EQ(got[i].high, want[i].high) << core::format_rfc3339(want[i].ts);
    EXPECT_EQ(got[i].low, want[i].low) << core::format_rfc3339(want[i].ts);
    EXPECT_EQ(got[i].close, want[i].close) << core::format_rfc3339(want[i].ts);
    EXPECT_EQ(got[i].volume, want[i].volume) << core::format_rfc3339(want[i].ts);
  }
}

class CandleRepositoryTest : public migrated_pool_test {
 protected:
  void SetUp() override {
    start(2, [](pg_pool& p) {
      candles::register_statements(p);
      securities::register_statements(p);
    });
    if (db) {
      aapl = security("AAPL");
      btc = security("BTC-USD");
    }
  }

  std::string security(const std::string& ticker) {
    pg_connection conn{db->url()};
    auto r = conn.exec("INSERT INTO securities (ticker, name, security_type, currency) "
                       "VALUES ($1, $1, 'equity', 'USD') RETURNING security_id::text",
                       {ticker});
    return r.rows.at(0).at(0).value_or("");
  }

  std::vector<std::string> column(const std::string& sql, const std::vector<pg_value>& params = {}) {
    pg_connection conn{db->url()};
    std::vector<std::string> out;
    for (auto& row : conn.exec(sql, params).rows) out.push_back(row.at(0).value_or("NULL"));
    return out;
  }

  delta::protocol::upsert_counts upsert(const std::string& id, const std::vector<candle>& batch) {
    return candles::to_counts(one(candles::upsert(id, batch)));
  }

  std::vector<candle> bars(const std::string& id, std::int32_t tf, std::optional<std::int64_t> from,
                           std::optional<std::int64_t> until, std::int64_t count, bool newest,
                           std::int64_t skip = 0) {
    return candles::to_candles(one(candles::bars(id, tf, from, until, count, newest, skip)));
  }

  std::int64_t bar_count(const std::string& id, std::int32_t tf, std::optional<std::int64_t> from,
                         std::optional<std::int64_t> until) {
    return one(candles::bar_count(id, tf, from, until)).first_integer();
  }

  std::vector<std::string> partitions() {
    std::vector<std::string> out;
    for (auto& row : one(candles::partitions()).rows) out.push_back(row.at(0).value_or(""));
    return out;
  }

  std::string aapl, btc;
};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

// ---- partitions ----

TEST_F(CandleRepositoryTest, TheMigrationCreatesMonthsAroundNowAndADefault) {
  auto parts = partitions();
  EXPECT_TRUE(contains(parts, "candles_default"));
  auto now = now_seconds();
  for (int m : {-12, -1, 0, 1, 3})
    EXPECT_TRUE(contains(parts, partition_of(month_start(now, m)))) << m;
  EXPECT_FALSE(contains(parts, partition_of(month_start(now, 4))));
  EXPECT_EQ(parts.size(), 1u + 16u);  // 12 back, this month, 3 ahead
}

TEST_F(CandleRepositoryTest, RowsLandInTheirMonthsPartition) {
  auto t = yesterday();
  upsert(aapl, walk(t, 3));
  auto where = column("SELECT DISTINCT tableoid::regclass::text FROM candles");
  EXPECT_EQ(where, std::vector<std::string>{partition_of(t)});
}

TEST_F(CandleRepositoryTest, EnsureCreatesMonthsAheadOnceAndMovesRowsOutOfTheDefault) {
  auto later = month_start(now_seconds(), 5) + 3 * day;  // no partition yet
  upsert(aapl, walk(later, 2));
  EXPECT_EQ(column("SELECT DISTINCT tableoid::regclass::text FROM candles"),
            std::vector<std::string>{"candles_default"});

  EXPECT_EQ(candles::to_created(one(candles::ensure_partitions(6))), 3);  // months 4, 5, 6
  EXPECT_EQ(candles::to_created(one(candles::ensure_partitions(6))), 0);  // idempotent
  EXPECT_TRUE(contains(partitions(), partition_of(later)));
  EXPECT_EQ(column("SELECT DISTINCT tableoid::regclass::text FROM candles"),
            std::vector<std::string>{partition_of(later)});
  EXPECT_EQ(column("SELECT count(*) FROM candles"), std::vector<std::string>{"2"});
  // The moved rows are read as before.
  EXPECT_EQ(bars(aapl, 60, std::nullopt, std::nullopt, 10, false).size(), 2u);
}

TEST_F(CandleRepositoryTest, EnsureRefusesRangesOutOfBounds) {
  auto reply = call_and_wait(*pool, candles::ensure_partitions(121));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::query);
}

// ---- upsert ----

TEST_F(CandleRepositoryTest, TheSameBatchTwiceIsInsertedThenUpdatedWithoutDuplicates) {
  auto batch = walk(yesterday(), 500);
  auto first = upsert(aapl, batch);
  EXPECT_EQ(first.inserted, 500);
  EXPECT_EQ(first.updated, 0);
  auto second = upsert(aapl, batch);
  EXPECT_EQ(second.inserted, 0);
  EXPECT_EQ(second.updated, 500);
  EXPECT_EQ(column("SELECT count(*) FROM candles"), std::vector<std::string>{"500"});
  expect_same_bars(bars(aapl, 60, std::nullopt, std::nullopt, 1000, false), batch);
}

TEST_F(CandleRepositoryTest, AnOverlappingBatchCountsNewAndReplacedBarsAndKeepsTheLatestValues) {
  auto t = yesterday();
  upsert(aapl, walk(t, 10));
  auto next = walk(t + 5 * minute, 10, 200);  // 5 replace, 5 new
  auto counts = upsert(aapl, next);
  EXPECT_EQ(counts.inserted, 5);
  EXPECT_EQ(counts.updated, 5);
  auto stored = bars(aapl, 60, std::nullopt, std::nullopt, 100, false);
  ASSERT_EQ(stored.size(), 15u);
  EXPECT_EQ(stored[5].open, 200);  // replaced by the second batch
  EXPECT_EQ(column("SELECT count(*) FROM candles WHERE revised_at IS NOT NULL"),
            std::vector<std::string>{"5"});
}

TEST_F(CandleRepositoryTest, SecuritiesKeepTheirOwnBars) {
  auto t = yesterday();
  upsert(aapl, walk(t, 3, 100));
  EXPECT_EQ(upsert(btc, walk(t, 3, 90000)).inserted, 3);
  EXPECT_EQ(bars(aapl, 60, std::nullopt, std::nullopt, 10, false).front().open, 100);
  EXPECT_EQ(bars(btc, 60, std::nullopt, std::nullopt, 10, false).front().open, 90000);
}

TEST_F(CandleRepositoryTest, PricesComeBackAsSentAndTheSchemaRefusesInconsistentBars) {
  auto t = yesterday();
  candle odd{t, 187.23, 187.2301, 0.1, 0.30000000000000004, 0.0153};
  upsert(aapl, {odd});
  expect_same_bars(bars(aapl, 60, t, std::nullopt, 1, false), {odd});
  // Below validation, PostgreSQL holds the same rules: high under the close.
  auto reply = call_and_wait(*pool, candles::upsert(aapl, {{t + minute, 10, 10.5, 9, 11, 1}}));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  reply = call_and_wait(*pool, candles::upsert(aapl, {{t + 90, 10, 11, 9, 10, 1}}));  // not a whole minute
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
  reply = call_and_wait(*pool, candles::upsert("999999", walk(t, 1)));  // no such security
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error->kind, pg_failure::constraint);
}

// ---- resampling ----

TEST_F(CandleRepositoryTest, ResamplingInSqlMatchesTheBucketsOfResampleAcrossBoundaries) {
  // Two days around midnight UTC: 23:00 .. 01:30 the next day crosses 5m,
  // 15m, 1h, 4h and 1d boundaries, with a gap (00:07 .. 00:21 missing).
  auto midnight = yesterday() + day;
  auto before = walk(midnight - 3600, 67);   // 23:00 .. 00:06
  auto after = walk(midnight + 22 * minute, 68, before.back().close);  // 00:22 .. 01:29
  std::vector<candle> all = before;
  all.insert(all.end(), after.begin(), after.end());
  upsert(aapl, all);
  for (std::int32_t tf : {60, 300, 900, 3600, 14400, 86400}) {
    SCOPED_TRACE(tf);
    expect_same_bars(bars(aapl, tf, std::nullopt, std::nullopt, 1000, false), market::resample(all, tf));
  }
  // By hand at the day boundary: the 1d bar of the first day is 23:00 .. 23:59.
  auto daily = bars(aapl, 86400, std::nullopt, std::nullopt, 10, false);
  ASSERT_EQ(daily.size(), 2u);
  EXPECT_EQ(daily[0].ts, midnight - day);
  EXPECT_EQ(daily[0].open, all[0].open);
  EXPECT_EQ(daily[0].close, all[59].close);
  EXPECT_EQ(daily[1].ts, midnight);
  EXPECT_EQ(daily[1].open, all[60].open);
  EXPECT_EQ(daily[1].close, all.back().close);
  double volume = 0;
  for (std::size_t i = 60; i < all.size(); ++i) volume += all[i].volume;
  EXPECT_EQ(daily[1].volume, volume);
}

TEST_F(CandleRepositoryTest, TheFirstAndTheLatestBarsAreWholeBucketsWithinTheRange) {
  auto t = yesterday() + 10 * 3600;  // 10:00
  auto minutes = walk(t + 2 * minute, 60);  // 10:02 .. 11:01
  upsert(aapl, minutes);
  auto five = market::resample(minutes, 300);  // 10:00 (3 minutes) .. 11:00 (2 minutes)
  ASSERT_EQ(five.size(), 13u);

  // The first 3 buckets, and the latest 3, each complete.
  expect_same_bars(bars(aapl, 300, std::nullopt, std::nullopt, 3, false), {five[0], five[1], five[2]});
  expect_same_bars(bars(aapl, 300, std::nullopt, std::nullopt, 3, true), {five[10], five[11], five[12]});

  // A range as the prices route asks it: from 10:01 (inside the first
  // bucket, so it starts at 10:05) to 10:20 (its bucket is read whole).
  delta::protocol::bar_range range;
  range.timeframe_seconds = 300;
  range.from = t + minute;
  range.to = t + 20 * minute;
  range.limit = 100;
  auto f = market::price_fetch(range);
  expect_same_bars(bars(aapl, 300, f.rows_from, f.rows_until, f.count, f.newest),
                   {five[1], five[2], five[3], five[4]});
  range.from = caf::none;
  range.limit = 2;
  f = market::price_fetch(range);
  expect_same_bars(bars(aapl, 300, f.rows_from, f.rows_until, f.count, f.newest), {five[3], five[4]});
  EXPECT_TRUE(bars(aapl, 300, t - day, t, 10, false).empty());
}

TEST_F(CandleRepositoryTest, APageOfBarsSkipsFromTheFirstOrTheNewestAndTheCountIsTheWholeRanges) {
  auto t = yesterday() + 10 * 3600;  // 10:00
  auto minutes = walk(t + 2 * minute, 60);  // 10:02 .. 11:01
  upsert(aapl, minutes);
  auto five = market::resample(minutes, 300);  // 13 buckets, the first and last partial
  ASSERT_EQ(five.size(), 13u);
  EXPECT_EQ(bar_count(aapl, 300, std::nullopt, std::nullopt), 13);
  EXPECT_EQ(bar_count(aapl, 60, std::nullopt, std::nullopt), 60);
  EXPECT_EQ(bar_count(btc, 60, std::nullopt, std::nullopt), 0);
  // the second page of 3 from the start, and from the newest (still ascending)
  expect_same_bars(bars(aapl, 300, std::nullopt, std::nullopt, 3, false, 3), {five[3], five[4], five[5]});
  expect_same_bars(bars(aapl, 300, std::nullopt, std::nullopt, 3, true, 3), {five[7], five[8], five[9]});
  // the last page is short, past the end is empty
  expect_same_bars(bars(aapl, 300, std::nullopt, std::nullopt, 3, false, 12), {five[12]});
  EXPECT_TRUE(bars(aapl, 300, std::nullopt, std::nullopt, 3, true, 13).empty());
  // a range as the prices route asks it: 10:05 .. 10:20 is 4 bars
  delta::protocol::bar_range range;
  range.timeframe_seconds = 300;
  range.from = t + minute;
  range.to = t + 20 * minute;
  range.limit = 2;
  auto f = market::price_fetch(range, 2);
  EXPECT_EQ(bar_count(aapl, 300, f.rows_from, f.rows_until), 4);
  expect_same_bars(bars(aapl, 300, f.rows_from, f.rows_until, f.count, f.newest, f.skip), {five[3], five[4]});
}

// ---- the data source a backtest reads ----

TEST_F(CandleRepositoryTest, TheDatabaseSourceReadsTheSameBarsAsTheMemorySource) {
  auto t = yesterday();
  auto minutes = walk(t, 180);
  upsert(aapl, minutes);
  market::memory_candle_source memory;
  memory.add("AAPL", minutes);
  market::database_candle_source database{*pool};

  auto read = [](market::candle_source& source, const market::bar_request& request) {
    std::promise<market::bar_reply> answer;
    auto got = answer.get_future();
    source.read(request, [&answer](market::bar_reply r) { answer.set_value(std::move(r)); });
    EXPECT_EQ(got.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return got.get();
  };
  for (market::bar_request request : {market::bar_request{"AAPL", 900, std::nullopt, std::nullopt, 1000},
                                      market::bar_request{"AAPL", 300, t + 7 * minute, t + 61 * minute, 1000},
                                      market::bar_request{"AAPL", 3600, t, std::nullopt, 2}}) {
    auto from_db = read(database, request);
    auto from_memory = read(memory, request);
    ASSERT_FALSE(from_db.failure) << from_db.detail;
    ASSERT_FALSE(from_memory.failure);
    EXPECT_FALSE(from_db.bars.empty());
    expect_same_bars(from_db.bars, from_memory.bars);
  }
  auto unknown = read(database, {"NOPE", 60, std::nullopt, std::nullopt, 10});
  ASSERT_TRUE(unknown.failure);
  EXPECT_EQ(*unknown.failure, market::source_failure::not_found);
}
