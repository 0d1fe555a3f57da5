#pragma once
// Technical indicators over a series of bars, with API.md's definitions.
// Every function returns one entry per input bar: a value where the
// indicator is defined, nullopt before (never a made-up warm-up value).
//
// SMA(N)      mean of the last N closes.
// EMA(N)      first value the SMA of the first N closes, then
//             prev + alpha * (x - prev) with alpha = 2 / (N + 1).
// RSI(N)      Wilder: changes d = close - previous close; the first average
//             gain/loss is the mean of the first N gains/losses, then
//             (prev * (N - 1) + x) / N; RSI = 100 - 100 / (1 + gain / loss),
//             100 when the average loss is 0 (50 when both are 0: no move).
// MACD(f,s,g) EMA(f) - EMA(s); signal = EMA(g) of MACD seeded with the SMA of
//             its first g values; histogram = MACD - signal.
// ATR(N)      Wilder: true range max(h - l, |h - prev close|, |l - prev close|),
//             the first one h - l; first ATR the mean of the first N, then
//             (prev * (N - 1) + tr) / N.
// Bollinger(N,k) middle = SMA(N); upper/lower = middle +/- k * population
//             standard deviation of the same N closes.
//
// Periods must be >= 1 (callers validate; see indicator_spec.hpp).

#include <optional>
#include <span>
#include <vector>

namespace delta::market {

using series = std::vector<std::optional<double>>;

series sma(std::span<const double> x, int n);
series ema(std::span<const double> x, int n);
// EMA over a series that is undefined at its start (e.g. MACD): seeded with
// the SMA of its first n defined values. Values must be defined from the
// first defined one on.
series ema_of(const series& x, int n);
series rsi(std::span<const double> close, int n);

struct macd_lines {
  series macd, signal, histogram;
};
macd_lines macd(std::span<const double> close, int fast, int slow, int signal);

series true_range(std::span<const double> high, std::span<const double> low,
                  std::span<const double> close);
series atr(std::span<const double> high, std::span<const double> low,
           std::span<const double> close, int n);

struct bands {
  series upper, middle, lower;
};
bands bollinger(std::span<const double> close, int n, double k);

}  // namespace delta::market
