#include "actors/market/candle_source.hpp"

#include "domain/market/candle_validation.hpp"
#include "actors/market/resample.hpp"

#include <charconv>
#include <variant>

namespace delta::market {

void memory_candle_source::add(const std::string& ticker,
                               const std::vector<protocol::candle>& one_minute) {
  auto& series = series_[ticker];
  for (auto& c : one_minute) series[c.ts] = c;
}

void memory_candle_source::read(const bar_request& request, bar_callback done) {
  auto it = series_.find(request.ticker);
  if (it == series_.end()) {
    done({source_failure::not_found, "unknown ticker", {}});
    return;
  }
  std::vector<protocol::candle> rows;
  rows.reserve(it->second.size());
  for (auto& [ts, c] : it->second) rows.push_back(c);
  bar_reply reply;
  for (auto& bar : resample(rows, request.timeframe_seconds)) {
    if (request.from && bar.ts < *request.from) continue;
    if (request.to && bar.ts > *request.to) break;
    if (static_cast<std::int64_t>(reply.bars.size()) >= request.max_bars) break;
    reply.bars.push_back(bar);
  }
  done(std::move(reply));
}

namespace {

bool parse_number(std::string_view text, double& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

// One data line into `c`; the problem, or empty.
std::string parse_line(std::string_view line, protocol::candle& c) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  for (auto comma = line.find(','); comma != std::string_view::npos; comma = line.find(',', start)) {
    cells.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
  cells.push_back(line.substr(start));
  if (cells.size() != 6) return "expected 6 fields: ts,open,high,low,close,volume";
  auto ts = parse_bar_ts(cells[0], 60);
  if (auto* problem = std::get_if<std::string>(&ts)) return "ts " + *problem;
  c.ts = std::get<std::int64_t>(ts);
  double* fields[] = {&c.open, &c.high, &c.low, &c.close, &c.volume};
  for (std::size_t i = 0; i < 5; ++i)
    if (!parse_number(cells[i + 1], *fields[i])) return "field " + std::to_string(i + 2) + " is not a number";
  auto problems = candle_problems(c, 60, "");
  return problems.empty() ? std::string{} : problems.front().field + " " + problems.front().problem;
}

}  // namespace

csv_candles read_candles_csv(std::istream& in) {
  csv_candles out;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (number == 1) {
      if (line != "ts,open,high,low,close,volume") {
        out.error = "line 1: the header must be ts,open,high,low,close,volume";
        return out;
      }
      continue;
    }
    if (line.empty()) continue;
    protocol::candle c;
    if (auto problem = parse_line(line, c); !problem.empty()) {
      out.error = "line " + std::to_string(number) + ": " + problem;
      return out;
    }
    out.candles.push_back(c);
  }
  if (number == 0) out.error = "line 1: the header must be ts,open,high,low,close,volume";
  return out;
}

}  // namespace delta::market
