#pragma once
// What the enrich stage computes for a signal, per feature profile, from
// the symbol's recent 1-minute bars. Pure: the bars and the time are
// parameters.
//
// trend_follow_v1  close, ema_20, ema_50, macd {macd, signal, histogram}
//                  (12,26,9), rsi_14, atr_14
// full_v1          the above + bollinger {upper, middle, lower} (20,2),
//                  support/resistance (the nearest swing low below and swing
//                  high above the close; a swing point is the extreme of the
//                  two bars either side), volume_profile (volume per price
//                  bin over the window, and the point of control)
// crypto_perps_v1  the trend features + funding_rate and open_interest; no
//                  such data exists yet, so they are null and flagged.
//
// Quality flags: no_candles, insufficient_history (fewer bars than the
// slowest indicator needs), stale_candles (the last bar older than
// stale_after), gaps (missing minutes inside the window),
// funding_unavailable, open_interest_unavailable.

#include "protocol/market_data.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace delta::signals {

enum class profile { trend_follow_v1, crypto_perps_v1, full_v1 };

std::optional<profile> parse_profile(std::string_view text);
std::string_view name_of(profile p);

struct feature_options {
  std::int64_t bar_seconds = 60;
  std::int64_t stale_after_seconds = 15 * 60;
  int volume_bins = 10;
  int swing_span = 2;  // bars each side of a swing point
};

struct feature_report {
  std::string features_json;  // a JSON object
  std::vector<std::string> quality_flags;
};

// Bars ascending by ts (seconds since the epoch).
feature_report compute_features(profile p, std::span<const protocol::candle> bars, std::int64_t now_seconds,
                                const feature_options& options = {});

// How many bars the profile's slowest indicator needs (MACD 26 + 9 - 1 = 34; EMA 50).
std::size_t bars_needed(profile p);

}  // namespace delta::signals
