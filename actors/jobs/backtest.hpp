#pragma once
// The backtest job's arithmetic: a long-only strategy over candles, fully
// invested while in a position, no fees or slippage, fills at the close of
// the bar that gives the signal. Pure.
//
//   sma_cross {fast, slow}: enter when SMA(fast) crosses above SMA(slow)
//     (fast > slow now, fast <= slow on the previous bar), exit when it
//     crosses below (fast < slow now, fast >= slow before).
//   rsi_reversion {period, lower, upper}: RSI(period), Wilder's smoothing as
//     in API.md (the market domain's indicators); enter when flat and RSI < lower, exit when RSI > upper.
// A position still open after the last candle is closed at its close.
//
// Result: trades (closed round trips), total_return (compounded, 0.1 =
// +10 %), max_drawdown (the largest peak-to-trough fall of the equity marked
// to market at every close, 0.25 = 25 %), win_rate (share of trades that
// exited above their entry; 0 without trades).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace delta::jobs {

struct candle {
  std::string ts;  // as given; candles are used in array order (ascending)
  double open = 0, high = 0, low = 0, close = 0, volume = 0;
};

struct sma_cross {
  int fast = 10;
  int slow = 30;
};

struct rsi_reversion {
  int period = 14;
  double lower = 30;
  double upper = 70;
};

using strategy = std::variant<sma_cross, rsi_reversion>;

struct backtest_result {
  int trades = 0;
  double total_return = 0;
  double max_drawdown = 0;
  double win_rate = 0;
};

// A reason the strategy's parameters are unusable, or nullopt.
std::optional<std::string> check(const strategy& s);

backtest_result run_backtest(const std::vector<candle>& candles, const strategy& s);

// The job's payload: {"strategy": {"type": "sma_cross", "fast", "slow"} |
// {"type": "rsi_reversion", "period", "lower", "upper"}, "candles"?: [{ts,
// open, high, low, close, volume}], ...other fields ignored}. Without
// "candles", `candles` is empty and the job reads stored candles instead
// ({ticker, timeframe, from, to}: see builtin_kinds.hpp).
struct backtest_input {
  strategy how;
  std::vector<candle> candles;
};

// nullopt and a reason in `error` for a malformed or invalid payload
// (closes must be positive and finite).
std::optional<backtest_input> parse_backtest_payload(std::string_view json, std::string& error);

// {"trades":..,"total_return":..,"max_drawdown":..,"win_rate":..}
std::string to_json(const backtest_result& r);

}  // namespace delta::jobs
