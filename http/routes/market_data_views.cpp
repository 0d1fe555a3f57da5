#include "http/routes/market_data_views.hpp"

#include "core/rfc3339.hpp"
#include "telemetry/json_log.hpp"

#include <charconv>
#include <cmath>

namespace delta::http {

namespace {

void append_number(std::string& out, double v) {
  if (!std::isfinite(v)) {  // JSON has no NaN or infinity
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_field(std::string& out, const char* name, double v) {
  out += ",\"";
  out += name;
  out += "\":";
  append_number(out, v);
}

// A value that is not defined (yet) is null.
void append_field(std::string& out, const char* name, const caf::optional<double>& v) {
  if (v) return append_field(out, name, *v);
  out += ",\"";
  out += name;
  out += "\":null";
}

void append_ts(std::string& out, std::int64_t ts) {
  out += "{\"ts\":\"";
  out += core::format_rfc3339(ts);
  out += '"';
}

// The names of a point's values by indicator, e.g. macd: macd, signal, histogram.
struct value_names {
  const char* a;
  const char* b;  // nullptr: single-valued
  const char* c;
};

value_names names_of(protocol::indicator_kind kind) {
  switch (kind) {
    case protocol::indicator_kind::macd: return {"macd", "signal", "histogram"};
    case protocol::indicator_kind::bbands: return {"upper", "middle", "lower"};
    default: return {"value", nullptr, nullptr};
  }
}

void append_series(std::string& out, const protocol::indicator_series& s) {
  auto names = names_of(s.spec.which());
  out += '[';
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    auto& p = s.points[i];
    if (i > 0) out += ',';
    append_ts(out, p.ts);
    append_field(out, names.a, p.a);
    if (names.b) {
      append_field(out, names.b, p.b);
      append_field(out, names.c, p.c);
    }
    out += '}';
  }
  out += ']';
}

}  // namespace

std::string upsert_counts_json(const protocol::upsert_counts& counts) {
  return "{\"inserted\":" + std::to_string(counts.inserted) +
         ",\"updated\":" + std::to_string(counts.updated) + "}";
}

std::string candles_json(const std::vector<protocol::candle>& bars) {
  std::string out;
  out.reserve(2 + bars.size() * 120);
  out += '[';
  for (std::size_t i = 0; i < bars.size(); ++i) {
    auto& c = bars[i];
    if (i > 0) out += ',';
    append_ts(out, c.ts);
    append_field(out, "open", c.open);
    append_field(out, "high", c.high);
    append_field(out, "low", c.low);
    append_field(out, "close", c.close);
    append_field(out, "volume", c.volume);
    out += '}';
  }
  out += ']';
  return out;
}

std::string indicators_json(const std::string& ticker, std::string_view timeframe,
                            const protocol::indicator_report& report) {
  std::string out;
  out += "{\"ticker\":";
  telemetry::append_json_string(out, ticker);
  out += ",\"timeframe\":";
  telemetry::append_json_string(out, timeframe);
  out += ",\"series\":{";
  for (std::size_t i = 0; i < report.series.size(); ++i) {
    if (i > 0) out += ',';
    telemetry::append_json_string(out, report.series[i].spec.key);
    out += ':';
    append_series(out, report.series[i]);
  }
  out += "}}";
  return out;
}

}  // namespace delta::http
