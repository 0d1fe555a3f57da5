#pragma once
// The `indicators` query parameter of GET /api/v2/market/indicators:
// "ema:20,sma:50,rsi:14,macd:12:26:9,atr:14,bbands:20:2". Names are lower
// case; periods are whole numbers 1..max_period (Bollinger 2..max_period,
// MACD fast < slow); Bollinger's k is a number in (0, 10]. At most
// max_indicators, none twice.

#include "protocol/market_data.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace delta::market {

inline constexpr int max_period = 500;
inline constexpr std::size_t max_indicators = 10;

struct spec_parse {
  std::vector<protocol::indicator_spec> specs;
  std::vector<std::string> problems;  // each names the item it is about
};

spec_parse parse_indicator_specs(std::string_view text);

// "ema:20", "macd:12:26:9", "bbands:20:2.5": the series' key in responses.
std::string spec_key(const protocol::indicator_spec& spec);

// How many bars before the first requested point the indicators are computed
// over. Window indicators (SMA, Bollinger) need exactly N - 1. The recursive
// ones (EMA, RSI, ATR, MACD) depend on all history, but the weight of the
// bars before the warm-up shrinks geometrically: (1 - 2/(N+1))^m for EMA,
// (1 - 1/N)^m for Wilder's smoothing, so m = 10 N leaves at most e^-10
// (~5e-5) of a Wilder average and e^-20 of an EMA to history we do not read.
// That bounds the rows read and the work per request whatever the history;
// capped at max_warmup_bars = 4 x max_period bars.
inline constexpr int warmup_factor = 10;
inline constexpr int max_warmup_bars = 2000;
int warmup_bars(const std::vector<protocol::indicator_spec>& specs);

}  // namespace delta::market
