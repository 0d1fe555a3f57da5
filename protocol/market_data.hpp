#pragma once
// Plain market-data values: candles and indicator series. Shared by the pure
// market core (actors/market), storage and the HTTP views; kept free of
// actor headers (only the tiny type_name tag for inspect) so that the pure
// code including it stays cheap to compile.

#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace delta::protocol {

// One OHLCV bar. `ts` is the bar's start in seconds since the Unix epoch
// (UTC); for a resampled bar it is the start of its aligned bucket.
struct candle {
  std::int64_t ts = 0;
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  double volume = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, candle& x) {
  return f(caf::meta::type_name("delta.candle"), x.ts, x.open, x.high, x.low, x.close, x.volume);
}

// Which bars of a timeframe: those starting within [from, to] (epoch
// seconds, both optional). With `from`, the first `limit` of them; without,
// the latest `limit` up to `to`. Either way ascending.
struct bar_range {
  std::int32_t timeframe_seconds = 60;
  caf::optional<std::int64_t> from;
  caf::optional<std::int64_t> to;
  std::int32_t limit = 50;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bar_range& x) {
  return f(caf::meta::type_name("delta.bar_range"), x.timeframe_seconds, x.from, x.to, x.limit);
}

// The indicators of API.md. A plain integer on the wire so that any node can
// read it.
enum class indicator_kind : std::uint8_t { sma, ema, rsi, macd, atr, bbands };

// One requested indicator, e.g. macd:12:26:9 or bbands:20:2.
struct indicator_spec {
  std::uint8_t kind = 0;     // an indicator_kind
  std::int32_t period = 0;   // N; MACD's fast period
  std::int32_t slow = 0;     // MACD only
  std::int32_t signal = 0;   // MACD only
  double k = 0;              // Bollinger only: standard deviations
  std::string key;           // canonical text, the key of its series ("ema:20")

  indicator_kind which() const { return static_cast<indicator_kind>(kind); }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, indicator_spec& x) {
  return f(caf::meta::type_name("delta.indicator_spec"), x.kind, x.period, x.slow, x.signal, x.k,
           x.key);
}

// One point of a series. Single-valued indicators use `a` only; MACD is
// (macd, signal, histogram) and Bollinger (upper, middle, lower) in a, b, c.
// A multi-value indicator has a point wherever `a` is defined; `b` and `c`
// are none where they are not defined yet (MACD's signal and histogram for
// its first g - 1 points).
struct indicator_point {
  std::int64_t ts = 0;
  double a = 0;
  caf::optional<double> b;
  caf::optional<double> c;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, indicator_point& x) {
  return f(caf::meta::type_name("delta.indicator_point"), x.ts, x.a, x.b, x.c);
}

struct indicator_series {
  indicator_spec spec;
  std::vector<indicator_point> points;  // ascending, only where defined
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, indicator_series& x) {
  return f(caf::meta::type_name("delta.indicator_series"), x.spec, x.points);
}

}  // namespace delta::protocol
