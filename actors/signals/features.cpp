#include "actors/signals/features.hpp"

#include "actors/market/indicators.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace delta::signals {

namespace json = boost::json;

namespace {

json::value last_of(const market::series& s) {
  if (s.empty() || !s.back()) return nullptr;
  return *s.back();
}

struct columns {
  std::vector<double> open, high, low, close, volume;
};

columns columns_of(std::span<const protocol::candle> bars) {
  columns c;
  for (auto& b : bars) {
    c.open.push_back(b.open);
    c.high.push_back(b.high);
    c.low.push_back(b.low);
    c.close.push_back(b.close);
    c.volume.push_back(b.volume);
  }
  return c;
}

void add_trend(json::object& out, const columns& c) {
  out["ema_20"] = last_of(market::ema(c.close, 20));
  out["ema_50"] = last_of(market::ema(c.close, 50));
  auto m = market::macd(c.close, 12, 26, 9);
  out["macd"] = json::object{{"macd", last_of(m.macd)}, {"signal", last_of(m.signal)},
                             {"histogram", last_of(m.histogram)}};
  out["rsi_14"] = last_of(market::rsi(c.close, 14));
  out["atr_14"] = last_of(market::atr(c.high, c.low, c.close, 14));
}

bool swing(const std::vector<double>& x, std::size_t i, int span, bool high) {
  auto n = static_cast<std::size_t>(span);
  if (i < n || i + n >= x.size()) return false;
  for (std::size_t j = i - n; j <= i + n; ++j)
    if (j != i && (high ? x[j] >= x[i] : x[j] <= x[i])) return false;
  return true;
}

// The most recent swing high above the close (resistance) and swing low below it (support).
void add_levels(json::object& out, const columns& c, int span) {
  json::value support = nullptr, resistance = nullptr;
  double close = c.close.back();
  for (std::size_t i = c.close.size(); i-- > 0;) {
    if (resistance.is_null() && swing(c.high, i, span, true) && c.high[i] > close) resistance = c.high[i];
    if (support.is_null() && swing(c.low, i, span, false) && c.low[i] < close) support = c.low[i];
    if (!support.is_null() && !resistance.is_null()) break;
  }
  out["support"] = support;
  out["resistance"] = resistance;
}

// Volume per equal-width price bin over the window (each bar's volume goes
// to the bin of its typical price); the point of control is the fullest bin's middle.
void add_volume_profile(json::object& out, const columns& c, int bins) {
  double lo = *std::min_element(c.low.begin(), c.low.end());
  double hi = *std::max_element(c.high.begin(), c.high.end());
  std::vector<double> volume(static_cast<std::size_t>(bins), 0.0);
  double width = (hi - lo) / bins;
  for (std::size_t i = 0; i < c.close.size(); ++i) {
    double typical = (c.high[i] + c.low[i] + c.close[i]) / 3;
    auto bin = width > 0 ? static_cast<std::size_t>((typical - lo) / width) : 0;
    volume[std::min(bin, volume.size() - 1)] += c.volume[i];
  }
  json::array rows;
  std::size_t fullest = 0;
  for (std::size_t b = 0; b < volume.size(); ++b) {
    rows.push_back(json::object{{"low", lo + width * static_cast<double>(b)},
                                {"high", lo + width * static_cast<double>(b + 1)},
                                {"volume", volume[b]}});
    if (volume[b] > volume[fullest]) fullest = b;
  }
  out["volume_profile"] = json::object{
      {"bins", std::move(rows)}, {"point_of_control", lo + width * (static_cast<double>(fullest) + 0.5)}};
}

void add_bollinger(json::object& out, const columns& c) {
  auto b = market::bollinger(c.close, 20, 2.0);
  out["bollinger"] = json::object{{"upper", last_of(b.upper)}, {"middle", last_of(b.middle)},
                                  {"lower", last_of(b.lower)}};
}

bool has_gaps(std::span<const protocol::candle> bars, std::int64_t step) {
  for (std::size_t i = 1; i < bars.size(); ++i)
    if (bars[i].ts - bars[i - 1].ts > step) return true;
  return false;
}

}  // namespace

std::optional<profile> parse_profile(std::string_view text) {
  if (text == "trend_follow_v1") return profile::trend_follow_v1;
  if (text == "crypto_perps_v1") return profile::crypto_perps_v1;
  if (text == "full_v1") return profile::full_v1;
  return std::nullopt;
}

std::string_view name_of(profile p) {
  switch (p) {
    case profile::trend_follow_v1: return "trend_follow_v1";
    case profile::crypto_perps_v1: return "crypto_perps_v1";
    case profile::full_v1: return "full_v1";
  }
  return "trend_follow_v1";
}

std::size_t bars_needed(profile) { return 50; }

feature_report compute_features(profile p, std::span<const protocol::candle> bars, std::int64_t now_seconds,
                                const feature_options& options) {
  feature_report report;
  json::object out;
  out["profile"] = name_of(p);
  out["bars"] = bars.size();
  if (bars.empty()) {
    report.quality_flags.push_back("no_candles");
    report.quality_flags.push_back("insufficient_history");
  } else {
    auto c = columns_of(bars);
    out["close"] = c.close.back();
    out["last_bar_ts"] = bars.back().ts;
    add_trend(out, c);
    if (p == profile::full_v1) {
      add_bollinger(out, c);
      add_levels(out, c, options.swing_span);
      add_volume_profile(out, c, options.volume_bins);
    }
    if (bars.size() < bars_needed(p)) report.quality_flags.push_back("insufficient_history");
    if (now_seconds - bars.back().ts > options.stale_after_seconds) report.quality_flags.push_back("stale_candles");
    if (has_gaps(bars, options.bar_seconds)) report.quality_flags.push_back("gaps");
  }
  if (p == profile::crypto_perps_v1) {
    // No funding or open-interest source exists yet: say so rather than guess.
    out["funding_rate"] = nullptr;
    out["open_interest"] = nullptr;
    report.quality_flags.push_back("funding_unavailable");
    report.quality_flags.push_back("open_interest_unavailable");
  }
  report.features_json = json::serialize(out);
  return report;
}

}  // namespace delta::signals
