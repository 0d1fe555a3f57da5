#include "http/routes/candle_body.hpp"

#include "domain/market/candle_validation.hpp"

#include <boost/json.hpp>

#include <optional>
#include <variant>

namespace delta::http {

namespace json = boost::json;

namespace {

// What reading found, in the market core's terms until the end.
struct reading {
  std::vector<protocol::candle> candles;  // the complete ones
  std::vector<std::size_t> indices;       // of each in the request
  std::vector<market::field_problem> type_problems;
  std::vector<market::field_problem> problems;
  bool bad_ts = false;  // some kept candle has an invalid ts (left at 0)
};

// A JSON number as a double; nullopt for any other type.
std::optional<double> number_of(const json::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  return std::nullopt;
}

// The fields of one candle; a candle with a missing or unreadable field is
// not kept (its problems are named).
void read_candle(const json::value& item, std::size_t index, std::int32_t timeframe_seconds,
                 reading& in) {
  auto prefix = market::candle_prefix(index);
  if (!item.is_object()) {
    in.type_problems.push_back({prefix.substr(0, prefix.size() - 1), "must be an object"});
    return;
  }
  auto& o = item.as_object();
  protocol::candle c;
  bool complete = true;
  auto problem = [&](std::vector<market::field_problem>& list, std::string field, std::string text) {
    list.push_back({std::move(field), std::move(text)});
    complete = false;
  };
  auto* ts = o.if_contains("ts");
  if (!ts || ts->is_null()) {
    problem(in.problems, prefix + "ts", "is required");
  } else if (!ts->is_string()) {
    problem(in.type_problems, prefix + "ts", "must be a string (RFC 3339)");
  } else {
    // An invalid ts is named, but the candle's prices are still checked.
    auto parsed = market::parse_bar_ts(std::string_view{ts->as_string()}, timeframe_seconds);
    if (auto* text = std::get_if<std::string>(&parsed)) {
      in.problems.push_back({prefix + "ts", *text});
      in.bad_ts = true;
    } else {
      c.ts = std::get<std::int64_t>(parsed);
    }
  }
  const std::pair<const char*, double*> numbers[] = {
      {"open", &c.open}, {"high", &c.high}, {"low", &c.low}, {"close", &c.close}, {"volume", &c.volume}};
  for (auto& [name, field] : numbers) {
    auto* v = o.if_contains(name);
    if (!v || v->is_null()) problem(in.problems, prefix + name, "is required");
    else if (auto n = number_of(*v)) *field = *n;
    else problem(in.type_problems, prefix + name, "must be a number");
  }
  if (!complete) return;
  in.candles.push_back(c);
  in.indices.push_back(index);
}

// The rules across candles (repeated timestamps) need them all with valid
// timestamps; otherwise each kept candle is checked on its own.
void check_rules(reading& in, std::size_t count, std::int32_t timeframe_seconds) {
  if (in.candles.size() == count && !in.bad_ts) {
    in.problems = market::batch_problems(in.candles, timeframe_seconds);
    return;
  }
  for (std::size_t i = 0; i < in.candles.size(); ++i)
    for (auto& p : market::candle_problems(in.candles[i], timeframe_seconds,
                                           market::candle_prefix(in.indices[i])))
      in.problems.push_back(std::move(p));
}

std::vector<field_problem> converted(std::vector<market::field_problem> from) {
  market::cap_problems(from);
  std::vector<field_problem> to;
  to.reserve(from.size());
  for (auto& p : from) to.push_back({std::move(p.field), std::move(p.problem)});
  return to;
}

}  // namespace

candle_batch_parse parse_candle_batch(const request& req, std::int32_t timeframe_seconds) {
  candle_batch_parse out;
  if (!req.json || !req.json->is_object()) return out;
  auto* candles = req.json->as_object().if_contains("candles");
  if (!candles || candles->is_null()) {
    out.problems.push_back({"candles", "is required"});
    return out;
  }
  if (!candles->is_array()) {
    out.type_problems.push_back({"candles", "must be an array"});
    return out;
  }
  auto& items = candles->as_array();
  if (items.empty() || items.size() > market::max_batch_candles) {
    out.problems.push_back(
        {"candles", "must hold 1 to " + std::to_string(market::max_batch_candles) + " candles"});
    return out;
  }
  reading in;
  for (std::size_t i = 0; i < items.size(); ++i) read_candle(items[i], i, timeframe_seconds, in);
  if (in.type_problems.empty()) check_rules(in, items.size(), timeframe_seconds);
  out.candles = std::move(in.candles);
  out.type_problems = converted(std::move(in.type_problems));
  out.problems = converted(std::move(in.problems));
  return out;
}

}  // namespace delta::http
