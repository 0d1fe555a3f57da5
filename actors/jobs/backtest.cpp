#include "actors/jobs/backtest.hpp"

#include "actors/market/indicators.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace delta::jobs {

namespace {

namespace json = boost::json;

// Target position per bar (true = long) from a strategy's entry/exit rules.
std::vector<bool> positions(const std::vector<double>& closes, const sma_cross& s) {
  auto fast = market::sma(closes, s.fast);
  auto slow = market::sma(closes, s.slow);
  std::vector<bool> in(closes.size(), false);
  for (std::size_t i = 1; i < closes.size(); ++i) {
    in[i] = in[i - 1];
    if (!fast[i] || !slow[i] || !fast[i - 1] || !slow[i - 1]) continue;
    if (*fast[i] > *slow[i] && *fast[i - 1] <= *slow[i - 1]) in[i] = true;
    if (*fast[i] < *slow[i] && *fast[i - 1] >= *slow[i - 1]) in[i] = false;
  }
  return in;
}

std::vector<bool> positions(const std::vector<double>& closes, const rsi_reversion& s) {
  auto rsi = market::rsi(closes, s.period);
  std::vector<bool> in(closes.size(), false);
  for (std::size_t i = 0; i < closes.size(); ++i) {
    in[i] = i > 0 && in[i - 1];
    if (!rsi[i]) continue;
    if (!in[i] && *rsi[i] < s.lower) in[i] = true;
    else if (in[i] && *rsi[i] > s.upper) in[i] = false;
  }
  return in;
}

// Walks the bars with the target positions: fills at closes, equity marked to market.
backtest_result simulate(const std::vector<double>& closes, const std::vector<bool>& in) {
  backtest_result r;
  double equity = 1.0, peak = 1.0, entry = 0.0, at_entry = 1.0;
  int wins = 0;
  bool holding = false;
  for (std::size_t i = 0; i < closes.size(); ++i) {
    if (holding) equity = at_entry * closes[i] / entry;
    peak = std::max(peak, equity);
    r.max_drawdown = std::max(r.max_drawdown, (peak - equity) / peak);
    bool last = i + 1 == closes.size();
    if (!holding && in[i] && !last) {
      holding = true;
      entry = closes[i];
      at_entry = equity;
    } else if (holding && (!in[i] || last)) {
      holding = false;
      ++r.trades;
      if (closes[i] > entry) ++wins;
    }
  }
  r.total_return = equity - 1.0;
  r.win_rate = r.trades > 0 ? static_cast<double>(wins) / r.trades : 0.0;
  return r;
}

double number_of(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  throw std::invalid_argument{"not a number"};
}

int int_of(const json::object& o, std::string_view key, int fallback) {
  auto* v = o.if_contains(key);
  if (!v) return fallback;
  double d = number_of(*v);
  if (d != std::floor(d) || std::abs(d) > 1e6) throw std::invalid_argument{"not an integer"};
  return static_cast<int>(d);
}

double double_of(const json::object& o, std::string_view key, double fallback) {
  auto* v = o.if_contains(key);
  return v ? number_of(*v) : fallback;
}

strategy strategy_of(const json::object& o) {
  auto type = json::value_to<std::string>(o.at("type"));
  if (type == "sma_cross") return sma_cross{int_of(o, "fast", 10), int_of(o, "slow", 30)};
  if (type == "rsi_reversion")
    return rsi_reversion{int_of(o, "period", 14), double_of(o, "lower", 30), double_of(o, "upper", 70)};
  throw std::invalid_argument{"strategy.type must be sma_cross or rsi_reversion"};
}

candle candle_of(const json::object& o) {
  candle c;
  if (auto* ts = o.if_contains("ts"); ts && ts->is_string()) c.ts = std::string{ts->get_string()};
  c.open = double_of(o, "open", 0);
  c.high = double_of(o, "high", 0);
  c.low = double_of(o, "low", 0);
  c.close = number_of(o.at("close"));
  c.volume = double_of(o, "volume", 0);
  if (!std::isfinite(c.close) || c.close <= 0) throw std::invalid_argument{"close must be positive"};
  return c;
}

}  // namespace

std::optional<std::string> check(const strategy& s) {
  if (auto* x = std::get_if<sma_cross>(&s)) {
    if (x->fast < 1 || x->slow < 2) return "sma_cross needs fast >= 1 and slow >= 2";
    if (x->fast >= x->slow) return "sma_cross needs fast < slow";
    return std::nullopt;
  }
  auto& r = std::get<rsi_reversion>(s);
  if (r.period < 1) return "rsi_reversion needs period >= 1";
  if (!(r.lower >= 0 && r.lower < r.upper && r.upper <= 100)) return "rsi_reversion needs 0 <= lower < upper <= 100";
  return std::nullopt;
}

backtest_result run_backtest(const std::vector<candle>& candles, const strategy& s) {
  std::vector<double> closes;
  closes.reserve(candles.size());
  for (auto& c : candles) closes.push_back(c.close);
  auto in = std::visit([&](auto& x) { return positions(closes, x); }, s);
  return simulate(closes, in);
}

std::optional<backtest_input> parse_backtest_payload(std::string_view text, std::string& error) {
  try {
    auto doc = json::parse(text).as_object();
    backtest_input in{strategy_of(doc.at("strategy").as_object()), {}};
    // Without "candles" the job reads stored ones (builtin_kinds.cpp).
    if (auto* given = doc.if_contains("candles"))
      for (auto& c : given->as_array()) in.candles.push_back(candle_of(c.as_object()));
    if (auto why = check(in.how)) {
      error = *why;
      return std::nullopt;
    }
    return in;
  } catch (const std::exception& e) {
    error = std::string{"invalid backtest payload: "} + e.what();
    return std::nullopt;
  }
}

std::string to_json(const backtest_result& r) {
  return json::serialize(json::object{{"trades", r.trades},
                                      {"total_return", r.total_return},
                                      {"max_drawdown", r.max_drawdown},
                                      {"win_rate", r.win_rate}});
}

}  // namespace delta::jobs
