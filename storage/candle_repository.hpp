#pragma once
// SQL for market data (migrations/0004_candles.sql): the idempotent bulk
// upsert of 1-minute candles, bars of any timeframe resampled from them in
// PostgreSQL, and the monthly partitions of `candles`.

#include "protocol/market.hpp"
#include "storage/pg_pool.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace delta::storage::candles {

void register_statements(pg_pool& pool);

// One statement for the whole batch (unnest of one array per column):
// inserts new bars and replaces existing ones (same security and minute).
// One row: inserted, updated. Timestamps must be distinct within a batch.
pg_statement upsert(const std::string& security_id, const std::vector<protocol::candle>& candles);
protocol::upsert_counts to_counts(const pg_result& result);

// Bars of `timeframe_seconds` (a divisor of a day) resampled from the 1m
// rows with rows_from <= ts < rows_until (nullopt: unbounded): buckets
// aligned from the epoch (midnight UTC), open = first, high = max,
// low = min, close = last, volume = sum. The first `count` bars, or with
// `newest` the latest `count`, after passing over the first (latest)
// `skip`; always returned ascending. At most (skip + count) x (timeframe /
// 1m) rows are read, so whatever the history the cost is bounded by the
// page (see actors/market/bar_plan.hpp).
pg_statement bars(const std::string& security_id, std::int32_t timeframe_seconds,
                  std::optional<std::int64_t> rows_from, std::optional<std::int64_t> rows_until,
                  std::int64_t count, bool newest, std::int64_t skip = 0);
std::vector<protocol::candle> to_candles(const pg_result& result);

// How many bars of `timeframe_seconds` the 1m rows with rows_from <= ts <
// rows_until make: a list's total. One row: the count (first_integer()).
pg_statement bar_count(const std::string& security_id, std::int32_t timeframe_seconds,
                       std::optional<std::int64_t> rows_from, std::optional<std::int64_t> rows_until);

// Creates missing monthly partitions (UTC months) from months_back before
// the current month to months_ahead after it; one row: how many.
pg_statement ensure_partitions(int months_ahead, int months_back = 0);
std::int64_t to_created(const pg_result& result);

// Names of candles' partitions, ordered (candles_default, candles_pYYYYMM...).
pg_statement partitions();

}  // namespace delta::storage::candles
