#include "actors/market/indicators.hpp"

#include <algorithm>
#include <cmath>

namespace delta::market {

namespace {

// Wilder's smoothing over `x` from index `first` on: the mean of x[first ..
// first + n - 1] lands at first + n - 1, then (prev * (n - 1) + x) / n.
series wilder(const std::vector<double>& x, std::size_t first, int n) {
  series out(x.size());
  auto size = static_cast<std::size_t>(n);
  if (x.size() < first + size) return out;
  double sum = 0;
  for (std::size_t i = first; i < first + size; ++i) sum += x[i];
  double avg = sum / n;
  out[first + size - 1] = avg;
  for (std::size_t i = first + size; i < x.size(); ++i) {
    avg = (avg * (n - 1) + x[i]) / n;
    out[i] = avg;
  }
  return out;
}

series difference(const series& a, const series& b) {
  series out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] && b[i]) out[i] = *a[i] - *b[i];
  return out;
}

}  // namespace

series sma(std::span<const double> x, int n) {
  series out(x.size());
  auto size = static_cast<std::size_t>(n);
  if (x.size() < size) return out;
  // Each window summed afresh: a running sum drifts by rounding over long
  // series, and N <= 500 keeps this cheap.
  for (std::size_t i = size - 1; i < x.size(); ++i) {
    double sum = 0;
    for (std::size_t j = i + 1 - size; j <= i; ++j) sum += x[j];
    out[i] = sum / n;
  }
  return out;
}

series ema_of(const series& x, int n) {
  series out(x.size());
  auto first = std::find_if(x.begin(), x.end(), [](auto& v) { return v.has_value(); });
  auto start = static_cast<std::size_t>(first - x.begin());
  auto size = static_cast<std::size_t>(n);
  if (x.size() < start + size) return out;
  double sum = 0;
  for (std::size_t i = start; i < start + size; ++i) sum += x[i].value_or(0);
  double value = sum / n;
  out[start + size - 1] = value;
  const double alpha = 2.0 / (n + 1);
  for (std::size_t i = start + size; i < x.size(); ++i) {
    value += alpha * (x[i].value_or(value) - value);
    out[i] = value;
  }
  return out;
}

series ema(std::span<const double> x, int n) { return ema_of(series(x.begin(), x.end()), n); }

series rsi(std::span<const double> close, int n) {
  series out(close.size());
  if (close.size() < 2) return out;
  // Index i holds the change from bar i - 1 to bar i; index 0 has none.
  std::vector<double> gains(close.size()), losses(close.size());
  for (std::size_t i = 1; i < close.size(); ++i) {
    double d = close[i] - close[i - 1];
    gains[i] = std::max(d, 0.0);
    losses[i] = std::max(-d, 0.0);
  }
  auto gain = wilder(gains, 1, n);
  auto loss = wilder(losses, 1, n);
  for (std::size_t i = 0; i < close.size(); ++i) {
    if (!gain[i]) continue;
    if (*loss[i] == 0) {
      out[i] = *gain[i] == 0 ? 50.0 : 100.0;
    } else {
      out[i] = 100.0 - 100.0 / (1.0 + *gain[i] / *loss[i]);
    }
  }
  return out;
}

macd_lines macd(std::span<const double> close, int fast, int slow, int signal) {
  macd_lines out;
  out.macd = difference(ema(close, fast), ema(close, slow));
  out.signal = ema_of(out.macd, signal);
  out.histogram = difference(out.macd, out.signal);
  return out;
}

series true_range(std::span<const double> high, std::span<const double> low,
                  std::span<const double> close) {
  series out(high.size());
  for (std::size_t i = 0; i < high.size(); ++i) {
    double range = high[i] - low[i];
    if (i > 0)
      range = std::max({range, std::abs(high[i] - close[i - 1]), std::abs(low[i] - close[i - 1])});
    out[i] = range;
  }
  return out;
}

series atr(std::span<const double> high, std::span<const double> low,
           std::span<const double> close, int n) {
  auto tr = true_range(high, low, close);
  std::vector<double> values(tr.size());
  for (std::size_t i = 0; i < tr.size(); ++i) values[i] = *tr[i];
  return wilder(values, 0, n);
}

bands bollinger(std::span<const double> close, int n, double k) {
  bands out;
  out.middle = sma(close, n);
  out.upper.resize(close.size());
  out.lower.resize(close.size());
  auto size = static_cast<std::size_t>(n);
  for (std::size_t i = 0; i < close.size(); ++i) {
    if (!out.middle[i]) continue;
    double mean = *out.middle[i];
    double squares = 0;
    for (std::size_t j = i + 1 - size; j <= i; ++j) squares += (close[j] - mean) * (close[j] - mean);
    double sd = std::sqrt(squares / n);  // population: divided by N, not N - 1
    out.upper[i] = mean + k * sd;
    out.lower[i] = mean - k * sd;
  }
  return out;
}

}  // namespace delta::market
