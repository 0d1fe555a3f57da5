#pragma once
// Where bars come from, for code that must not care (a backtest): the
// database (database_candle_source.hpp, PostgreSQL through the pool) or a
// series in memory, e.g. loaded from a CSV file. Both answer the same
// request with the same bars: 1-minute candles resampled to the timeframe
// (resample.hpp and its SQL twin), those starting within [from, to],
// ascending, the first max_bars of them.

#include "protocol/market_data.hpp"

#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace delta::market {

struct bar_request {
  std::string ticker;
  std::int32_t timeframe_seconds = 60;
  std::optional<std::int64_t> from;  // epoch seconds, bar start >= from
  std::optional<std::int64_t> to;    // epoch seconds, bar start <= to
  std::int64_t max_bars = 100000;
};

enum class source_failure { not_found, unavailable, internal };

struct bar_reply {
  std::optional<source_failure> failure;
  std::string detail;  // for logs when failed
  std::vector<protocol::candle> bars;
};

using bar_callback = std::function<void(bar_reply)>;

class candle_source {
 public:
  virtual ~candle_source() = default;
  // Calls `done` exactly once: before returning (memory) or later on another
  // thread (database), so an actor forwards the reply to itself.
  virtual void read(const bar_request& request, bar_callback done) = 0;
};

class memory_candle_source final : public candle_source {
 public:
  // Adds 1-minute candles of `ticker` (any order; a timestamp given again
  // replaces the earlier candle, like the database's upsert).
  void add(const std::string& ticker, const std::vector<protocol::candle>& one_minute);
  void read(const bar_request& request, bar_callback done) override;

 private:
  std::map<std::string, std::map<std::int64_t, protocol::candle>> series_;
};

struct csv_candles {
  std::vector<protocol::candle> candles;
  std::string error;  // empty when every line was read
};

// "ts,open,high,low,close,volume" (header line required), ts RFC 3339,
// validated like POST /candles (1m alignment, OHLC rules). The first bad
// line stops reading and is named in `error`.
csv_candles read_candles_csv(std::istream& in);

}  // namespace delta::market
