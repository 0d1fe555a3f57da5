#include "domain/market/candle_validation.hpp"

#include "core/timeframe.hpp"
#include "core/rfc3339.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace delta::market {

namespace {

const std::int64_t earliest = 0;                               // 1970-01-01T00:00:00Z
const std::int64_t beyond_latest = core::epoch_seconds(10000, 1, 1);  // after 9999-12-31

std::string alignment_rule(std::int32_t timeframe_seconds) {
  auto tf = core::timeframe_of_seconds(timeframe_seconds);
  std::string name = tf ? std::string{tf->name} : std::to_string(timeframe_seconds) + "s";
  return timeframe_seconds == 60
             ? "must be aligned to the 1m timeframe (a whole minute: seconds and fraction zero)"
             : "must be aligned to the " + name + " timeframe";
}

}  // namespace

std::string candle_prefix(std::size_t index) { return "candles[" + std::to_string(index) + "]."; }

std::variant<std::int64_t, std::string> parse_bar_ts(std::string_view text,
                                                     std::int32_t timeframe_seconds) {
  auto t = core::parse_rfc3339(text);
  if (!t) return std::string{"must be an RFC 3339 timestamp, e.g. 2026-11-22T10:00:00Z"};
  if (t->seconds < earliest || t->seconds >= beyond_latest)
    return std::string{"must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:00Z"};
  if (t->nanos != 0 || !core::aligned(t->seconds, timeframe_seconds))
    return alignment_rule(timeframe_seconds);
  return t->seconds;
}

std::vector<field_problem> candle_problems(const protocol::candle& c,
                                           std::int32_t timeframe_seconds,
                                           const std::string& prefix) {
  std::vector<field_problem> out;
  const std::pair<const char*, double> numbers[] = {
      {"open", c.open}, {"high", c.high}, {"low", c.low}, {"close", c.close}, {"volume", c.volume}};
  bool finite = true;
  for (auto& [name, value] : numbers)
    if (!std::isfinite(value)) {
      out.push_back({prefix + name, "must be a finite number"});
      finite = false;
    }
  if (!core::aligned(c.ts, timeframe_seconds)) out.push_back({prefix + "ts", alignment_rule(timeframe_seconds)});
  if (!finite) return out;
  if (c.high < std::max(c.open, c.close))
    out.push_back({prefix + "high", "must be at least max(open, close)"});
  if (c.low > std::min(c.open, c.close))
    out.push_back({prefix + "low", "must be at most min(open, close)"});
  if (c.volume < 0) out.push_back({prefix + "volume", "must not be negative"});
  return out;
}

std::vector<field_problem> batch_problems(const std::vector<protocol::candle>& candles,
                                          std::int32_t timeframe_seconds) {
  if (candles.empty() || candles.size() > max_batch_candles)
    return {{"candles", "must hold 1 to " + std::to_string(max_batch_candles) + " candles"}};
  std::vector<field_problem> out;
  std::unordered_map<std::int64_t, std::size_t> first_at;
  first_at.reserve(candles.size());
  for (std::size_t i = 0; i < candles.size() && out.size() <= max_reported_problems; ++i) {
    auto prefix = candle_prefix(i);
    for (auto& p : candle_problems(candles[i], timeframe_seconds, prefix)) out.push_back(std::move(p));
    // One statement cannot upsert a key twice; the client must say which row wins.
    auto [it, fresh] = first_at.emplace(candles[i].ts, i);
    if (!fresh) out.push_back({prefix + "ts", "repeats candles[" + std::to_string(it->second) + "].ts"});
  }
  cap_problems(out);
  return out;
}

void cap_problems(std::vector<field_problem>& problems) {
  if (problems.size() <= max_reported_problems) return;
  problems.resize(max_reported_problems);
  problems.push_back({"candles", "has more problems than listed (the first ones are named)"});
}

}  // namespace delta::market
