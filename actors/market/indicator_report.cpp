#include "actors/market/indicator_report.hpp"

#include "actors/market/indicators.hpp"

namespace delta::market {

namespace {

using protocol::indicator_kind;

std::vector<double> column(std::span<const protocol::candle> bars, double protocol::candle::*field) {
  std::vector<double> out;
  out.reserve(bars.size());
  for (auto& b : bars) out.push_back(b.*field);
  return out;
}

caf::optional<double> value_at(const series* s, std::size_t i) {
  if (!s || !(*s)[i]) return caf::none;
  return *(*s)[i];
}

// Points wherever the first line is defined, from `first` on; the other
// lines' values are none where they are not defined yet (API.md: a
// multi-value indicator has a point wherever its first value is defined).
void collect(protocol::indicator_series& out, std::span<const protocol::candle> bars,
             std::size_t first, const series& a, const series* b = nullptr,
             const series* c = nullptr) {
  for (std::size_t i = first; i < bars.size(); ++i)
    if (a[i]) out.points.push_back({bars[i].ts, *a[i], value_at(b, i), value_at(c, i)});
}

}  // namespace

protocol::indicator_series compute_series(const protocol::indicator_spec& spec,
                                          std::span<const protocol::candle> bars,
                                          std::size_t first_point) {
  protocol::indicator_series out;
  out.spec = spec;
  auto close = column(bars, &protocol::candle::close);
  switch (spec.which()) {
    case indicator_kind::sma: collect(out, bars, first_point, sma(close, spec.period)); break;
    case indicator_kind::ema: collect(out, bars, first_point, ema(close, spec.period)); break;
    case indicator_kind::rsi: collect(out, bars, first_point, rsi(close, spec.period)); break;
    case indicator_kind::atr: {
      auto high = column(bars, &protocol::candle::high);
      auto low = column(bars, &protocol::candle::low);
      collect(out, bars, first_point, atr(high, low, close, spec.period));
      break;
    }
    case indicator_kind::macd: {
      auto m = macd(close, spec.period, spec.slow, spec.signal);
      collect(out, bars, first_point, m.macd, &m.signal, &m.histogram);
      break;
    }
    case indicator_kind::bbands: {
      auto b = bollinger(close, spec.period, spec.k);
      collect(out, bars, first_point, b.upper, &b.middle, &b.lower);
      break;
    }
  }
  return out;
}

std::vector<protocol::indicator_series> compute_all(
    const std::vector<protocol::indicator_spec>& specs, std::span<const protocol::candle> bars,
    std::size_t first_point) {
  std::vector<protocol::indicator_series> out;
  out.reserve(specs.size());
  for (auto& spec : specs) out.push_back(compute_series(spec, bars, first_point));
  return out;
}

}  // namespace delta::market
