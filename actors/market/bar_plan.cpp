#include "actors/market/bar_plan.hpp"

#include "core/timeframe.hpp"

namespace delta::market {

namespace {

std::optional<std::int64_t> rows_from(const protocol::bar_range& r) {
  if (!r.from) return std::nullopt;
  return core::first_bucket_from(*r.from, r.timeframe_seconds);
}

std::optional<std::int64_t> rows_until(const protocol::bar_range& r) {
  if (!r.to) return std::nullopt;
  return core::rows_end_through(*r.to, r.timeframe_seconds);
}

}  // namespace

bar_fetch price_fetch(const protocol::bar_range& range, std::int64_t offset) {
  return {range.timeframe_seconds, rows_from(range), rows_until(range), range.limit, !range.from, offset};
}

std::vector<bar_fetch> indicator_fetches(const protocol::bar_range& range, int warmup) {
  if (!range.from) {
    auto latest = price_fetch(range);
    latest.count += warmup;
    return {latest};
  }
  bar_fetch before{range.timeframe_seconds, std::nullopt, rows_from(range), warmup, true};
  return {before, price_fetch(range)};
}

indicator_input assemble(const protocol::bar_range& range,
                         std::vector<std::vector<protocol::candle>> answers) {
  indicator_input in;
  if (answers.empty()) return in;
  if (!range.from) {
    in.bars = std::move(answers.front());
    auto limit = static_cast<std::size_t>(range.limit);
    in.first_point = in.bars.size() > limit ? in.bars.size() - limit : 0;
    return in;
  }
  in.bars = std::move(answers.front());
  in.first_point = in.bars.size();
  if (answers.size() > 1)
    in.bars.insert(in.bars.end(), answers[1].begin(), answers[1].end());
  return in;
}

}  // namespace delta::market
