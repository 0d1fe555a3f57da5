#include "domain/market/indicator_spec.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <variant>

namespace delta::market {

namespace {

using protocol::indicator_kind;

constexpr std::string_view known = "use sma:N, ema:N, rsi:N, atr:N, macd:FAST:SLOW:SIGNAL or bbands:N:K";

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::optional<int> whole(std::string_view s, int lo) {
  if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  if (v < lo || v > max_period) return std::nullopt;
  return v;
}

std::optional<double> multiplier(std::string_view s) {
  // Plain decimals only ("2", "2.5"): no sign, exponent, inf or nan.
  if (s.empty() || s.size() > 10 || s.front() == '.' || s.back() == '.' ||
      !std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) ||
      std::count(s.begin(), s.end(), '.') > 1)
    return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || !(v > 0) || v > 10) return std::nullopt;
  return v;
}

std::optional<indicator_kind> kind_of(std::string_view name) {
  if (name == "sma") return indicator_kind::sma;
  if (name == "ema") return indicator_kind::ema;
  if (name == "rsi") return indicator_kind::rsi;
  if (name == "macd") return indicator_kind::macd;
  if (name == "atr") return indicator_kind::atr;
  if (name == "bbands") return indicator_kind::bbands;
  return std::nullopt;
}

std::string period_rule(int lo) {
  return "periods are whole numbers from " + std::to_string(lo) + " to " + std::to_string(max_period);
}

// One item, e.g. "macd:12:26:9"; the spec or the problem with it.
std::variant<protocol::indicator_spec, std::string> parse_item(std::string_view item) {
  auto parts = split(item, ':');
  auto kind = kind_of(parts[0]);
  if (!kind) return std::string{"unknown indicator; "} + std::string{known};
  protocol::indicator_spec spec;
  spec.kind = static_cast<std::uint8_t>(*kind);
  auto args = parts.size() - 1;
  switch (*kind) {
    case indicator_kind::macd: {
      if (args != 3) return std::string{"must be macd:FAST:SLOW:SIGNAL, e.g. macd:12:26:9"};
      auto fast = whole(parts[1], 1), slow = whole(parts[2], 1), signal = whole(parts[3], 1);
      if (!fast || !slow || !signal) return period_rule(1);
      if (*fast >= *slow) return std::string{"FAST must be less than SLOW"};
      spec.period = *fast;
      spec.slow = *slow;
      spec.signal = *signal;
      break;
    }
    case indicator_kind::bbands: {
      if (args != 2) return std::string{"must be bbands:N:K, e.g. bbands:20:2"};
      auto n = whole(parts[1], 2);
      if (!n) return period_rule(2);
      auto k = multiplier(parts[2]);
      if (!k) return std::string{"K must be a decimal number greater than 0 and at most 10"};
      spec.period = *n;
      spec.k = *k;
      break;
    }
    default: {
      if (args != 1) return std::string{parts[0]} + " takes one period, e.g. " + std::string{parts[0]} + ":14";
      auto n = whole(parts[1], 1);
      if (!n) return period_rule(1);
      spec.period = *n;
    }
  }
  spec.key = spec_key(spec);
  return spec;
}

}  // namespace

std::string spec_key(const protocol::indicator_spec& spec) {
  switch (spec.which()) {
    case indicator_kind::sma: return "sma:" + std::to_string(spec.period);
    case indicator_kind::ema: return "ema:" + std::to_string(spec.period);
    case indicator_kind::rsi: return "rsi:" + std::to_string(spec.period);
    case indicator_kind::atr: return "atr:" + std::to_string(spec.period);
    case indicator_kind::macd:
      return "macd:" + std::to_string(spec.period) + ":" + std::to_string(spec.slow) + ":" +
             std::to_string(spec.signal);
    case indicator_kind::bbands: {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, spec.k);
      return "bbands:" + std::to_string(spec.period) + ":" + std::string(buf, ec == std::errc{} ? end : buf);
    }
  }
  return "unknown";
}

spec_parse parse_indicator_specs(std::string_view text) {
  spec_parse out;
  if (text.empty()) {
    out.problems.push_back("must list at least one indicator, e.g. ema:20,rsi:14");
    return out;
  }
  auto items = split(text, ',');
  if (items.size() > max_indicators) {
    out.problems.push_back("must list at most " + std::to_string(max_indicators) + " indicators");
    return out;
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto label = "item " + std::to_string(i + 1) + " '" + std::string{items[i]} + "': ";
    auto parsed = parse_item(items[i]);
    if (auto* problem = std::get_if<std::string>(&parsed)) {
      out.problems.push_back(label + *problem);
      continue;
    }
    auto& spec = std::get<protocol::indicator_spec>(parsed);
    bool repeated = std::any_of(out.specs.begin(), out.specs.end(),
                                [&](auto& s) { return s.key == spec.key; });
    if (repeated) {
      out.problems.push_back(label + "is listed twice");
      continue;
    }
    out.specs.push_back(std::move(spec));
  }
  if (!out.problems.empty()) out.specs.clear();
  return out;
}

int warmup_bars(const std::vector<protocol::indicator_spec>& specs) {
  int bars = 0;
  for (auto& s : specs) {
    switch (s.which()) {
      case indicator_kind::sma:
      case indicator_kind::bbands: bars = std::max(bars, s.period - 1); break;
      case indicator_kind::ema:
      case indicator_kind::rsi:
      case indicator_kind::atr: bars = std::max(bars, warmup_factor * s.period); break;
      case indicator_kind::macd: bars = std::max(bars, warmup_factor * (s.slow + s.signal)); break;
    }
  }
  return std::min(bars, max_warmup_bars);
}

}  // namespace delta::market
