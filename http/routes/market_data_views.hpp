#pragma once
// Pure: market data as the JSON clients see (API.md "Market"). Written by
// hand: these bodies hold up to thousands of numbers, and Boost.JSON would
// print 100.0 as 1E2. Numbers are the shortest text that reads back as the
// same double; timestamps RFC 3339 UTC.

#include "protocol/market.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace delta::http {

// {"inserted": n, "updated": m}
std::string upsert_counts_json(const protocol::upsert_counts& counts);

// [{"ts", "open", "high", "low", "close", "volume"}, ...]
std::string candles_json(const std::vector<protocol::candle>& bars);

// {"ticker", "timeframe", "series": {"ema:20": [{"ts", "value"}],
//  "macd:12:26:9": [{"ts", "macd", "signal", "histogram"}],
//  "bbands:20:2": [{"ts", "upper", "middle", "lower"}], ...}}
std::string indicators_json(const std::string& ticker, std::string_view timeframe,
                            const protocol::indicator_report& report);

}  // namespace delta::http
