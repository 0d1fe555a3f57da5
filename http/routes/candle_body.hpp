#pragma once
// Reads the `candles` array of POST /api/v2/market/candles into candles,
// with API.md's split: a value of the wrong JSON type is 400 bad_request
// (e.g. "open": "1.5", a candle that is not an object), a missing or
// invalid value 422 validation_failed (market::batch_problems: OHLC rules,
// alignment, repeated timestamps, batch size). Fields name the candle:
// candles[3].high.

#include "http/api_error.hpp"
#include "http/message.hpp"
#include "protocol/market_data.hpp"

#include <cstdint>
#include <vector>

namespace delta::http {

struct candle_batch_parse {
  std::vector<protocol::candle> candles;
  std::vector<field_problem> type_problems;  // -> 400
  std::vector<field_problem> problems;       // -> 422
};

// `req.json` is the parsed body (an object, else nothing is read).
candle_batch_parse parse_candle_batch(const request& req, std::int32_t timeframe_seconds);

}  // namespace delta::http
