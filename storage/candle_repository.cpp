#include "storage/candle_repository.hpp"

#include <charconv>

namespace delta::storage::candles {

namespace {

// Shortest text that reads back as the same double (the candles' CHECKs
// refuse NaN and infinities; validation keeps them out before).
std::string number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : "NaN";
}

template <class F>
std::string array_of(const std::vector<protocol::candle>& candles, F field) {
  std::string out = "{";
  out.reserve(candles.size() * 12 + 2);
  for (std::size_t i = 0; i < candles.size(); ++i) {
    if (i > 0) out += ',';
    out += field(candles[i]);
  }
  out += '}';
  return out;
}

double to_double(const pg_value& v) {
  double out = 0;
  if (v) std::from_chars(v->data(), v->data() + v->size(), out);
  return out;
}

std::int64_t to_int64(const pg_value& v) { return v ? std::stoll(*v) : 0; }

pg_value optional_seconds(std::optional<std::int64_t> v) {
  return v ? pg_value{std::to_string(*v)} : pg_value{};
}

// The resampling query; `order` is ASC (the first bars) or DESC (the latest).
std::string bars_sql(const std::string& order) {
  return "SELECT extract(epoch FROM b)::bigint, open, high, low, close, volume FROM ("
         " SELECT date_bin(make_interval(secs => $2::int), ts, timestamptz '1970-01-01 00:00:00+00') AS b,"
         "  (array_agg(open ORDER BY ts))[1] AS open, max(high) AS high, min(low) AS low,"
         "  (array_agg(close ORDER BY ts DESC))[1] AS close,"
         // Summed as numeric: float8 -> numeric keeps 15 significant digits,
         // so 0.1 + 0.2 reads 0.3 and not 0.30000000000000004.
         "  sum(volume::numeric)::float8 AS volume"
         " FROM (SELECT ts, open, high, low, close, volume FROM candles"
         "       WHERE security_id = $1::bigint"
         "         AND ts >= coalesce(to_timestamp($3::bigint), '-infinity')"
         "         AND ts < coalesce(to_timestamp($4::bigint), 'infinity')"
         // A bucket holds at most timeframe/60 rows, so this many rows cover
         // the `count` first (latest) buckets completely; a bucket the limit
         // cuts is beyond them and dropped by the outer LIMIT.
         "       ORDER BY ts " + order + " LIMIT ($5::bigint + $6::bigint) * ($2::int / 60)) AS picked"
         " GROUP BY b ORDER BY b " + order + " LIMIT $5::bigint OFFSET $6::bigint) AS bars "
         "ORDER BY b";
}

// How many bars the rows of a range make (each distinct bucket is one bar).
const char* bar_count_sql =
    "SELECT count(DISTINCT date_bin(make_interval(secs => $2::int), ts, timestamptz '1970-01-01 00:00:00+00'))"
    " FROM candles WHERE security_id = $1::bigint"
    "   AND ts >= coalesce(to_timestamp($3::bigint), '-infinity')"
    "   AND ts < coalesce(to_timestamp($4::bigint), 'infinity')";

}  // namespace

void register_statements(pg_pool& pool) {
  pool.add_statement(
      "candles_upsert",
      "WITH up AS ("
      " INSERT INTO candles AS c (security_id, ts, open, high, low, close, volume)"
      " SELECT $1::bigint, to_timestamp(u.ts), u.open, u.high, u.low, u.close, u.volume"
      " FROM unnest($2::bigint[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[])"
      "   AS u (ts, open, high, low, close, volume)"
      " ON CONFLICT (security_id, ts) DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high,"
      "   low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume, revised_at = now()"
      // revised_at is NULL only in rows this statement inserted (see the migration).
      " RETURNING c.revised_at IS NULL AS inserted) "
      "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up");
  pool.add_statement("candles_first_bars", bars_sql("ASC"));
  pool.add_statement("candles_latest_bars", bars_sql("DESC"));
  pool.add_statement("candles_bar_count", bar_count_sql);
  pool.add_statement("candles_ensure_partitions",
                     "SELECT delta_ensure_candle_partitions($1::int, $2::int)");
  pool.add_statement("candles_partitions",
                     "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                     "WHERE i.inhparent = 'candles'::regclass ORDER BY 1");
}

pg_statement upsert(const std::string& security_id, const std::vector<protocol::candle>& candles) {
  return pg_statement::prepared(
      "candles_upsert",
      {security_id, array_of(candles, [](auto& c) { return std::to_string(c.ts); }),
       array_of(candles, [](auto& c) { return number(c.open); }),
       array_of(candles, [](auto& c) { return number(c.high); }),
       array_of(candles, [](auto& c) { return number(c.low); }),
       array_of(candles, [](auto& c) { return number(c.close); }),
       array_of(candles, [](auto& c) { return number(c.volume); })});
}

protocol::upsert_counts to_counts(const pg_result& result) {
  if (result.rows.empty()) return {};
  auto& row = result.rows.front();
  return {to_int64(row.at(0)), to_int64(row.at(1))};
}

pg_statement bars(const std::string& security_id, std::int32_t timeframe_seconds,
                  std::optional<std::int64_t> rows_from, std::optional<std::int64_t> rows_until,
                  std::int64_t count, bool newest, std::int64_t skip) {
  return pg_statement::prepared(newest ? "candles_latest_bars" : "candles_first_bars",
                                {security_id, std::to_string(timeframe_seconds),
                                 optional_seconds(rows_from), optional_seconds(rows_until),
                                 std::to_string(count), std::to_string(skip)});
}

pg_statement bar_count(const std::string& security_id, std::int32_t timeframe_seconds,
                       std::optional<std::int64_t> rows_from, std::optional<std::int64_t> rows_until) {
  return pg_statement::prepared("candles_bar_count", {security_id, std::to_string(timeframe_seconds),
                                                      optional_seconds(rows_from), optional_seconds(rows_until)});
}

std::vector<protocol::candle> to_candles(const pg_result& result) {
  std::vector<protocol::candle> out;
  out.reserve(result.rows.size());
  for (auto& row : result.rows)
    out.push_back({to_int64(row.at(0)), to_double(row.at(1)), to_double(row.at(2)),
                   to_double(row.at(3)), to_double(row.at(4)), to_double(row.at(5))});
  return out;
}

pg_statement ensure_partitions(int months_ahead, int months_back) {
  return pg_statement::prepared("candles_ensure_partitions",
                                {std::to_string(months_ahead), std::to_string(months_back)});
}

std::int64_t to_created(const pg_result& result) {
  return result.rows.empty() ? 0 : to_int64(result.rows.front().at(0));
}

pg_statement partitions() { return pg_statement::prepared("candles_partitions"); }

}  // namespace delta::storage::candles
