#include "actors/signals/evaluation_prompt.hpp"

#include <boost/json.hpp>

namespace delta::signals {

namespace json = boost::json;

namespace {

// "[json]" asks every provider (and the stub's Anthropic side) for JSON only.
constexpr const char* system_text =
    "You are a trading-signal evaluator. Judge whether the signal is worth acting on, given the "
    "market features and data-quality flags. [json] Answer with one JSON object only: "
    "{\"decision\": \"approve\" | \"reject\" | \"abstain\", \"confidence\": a number from 0 to 1, "
    "\"rationale\": one or two sentences}. Abstain when the data quality flags make the features "
    "unreliable.";

}  // namespace

evaluation_prompt make_evaluation_prompt(const signal_facts& facts) {
  json::object signal{{"event_id", facts.event_id}, {"symbol", facts.symbol}, {"side", facts.side},
                      {"profile", facts.profile}};
  signal["price"] = facts.price ? json::value(*facts.price) : json::value(nullptr);
  signal["strategy"] = facts.strategy.empty() ? json::value(nullptr) : json::value(facts.strategy);
  boost::system::error_code ec;
  auto features = json::parse(facts.features_json, ec);
  json::array flags;
  for (auto& f : facts.quality_flags) flags.push_back(json::value(f));
  json::object body{{"signal", std::move(signal)},
                    {"features", ec ? json::value(json::object{}) : std::move(features)},
                    {"quality_flags", std::move(flags)}};
  return {system_text, json::serialize(body)};
}

std::optional<decision> read_decision(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  auto& o = v.as_object();
  auto* verdict = o.if_contains("decision");
  auto* confidence = o.if_contains("confidence");
  auto* rationale = o.if_contains("rationale");
  if (!verdict || !verdict->is_string() || !confidence || !confidence->is_number() || !rationale ||
      !rationale->is_string())
    return std::nullopt;
  decision d{json::value_to<std::string>(*verdict), confidence->to_number<double>(),
             json::value_to<std::string>(*rationale)};
  // PostgreSQL text cannot hold NUL, which JSON can ("\u0000"): a model's
  // stray NUL must not make its decision impossible to store.
  std::erase(d.rationale, '\0');
  if (d.verdict != "approve" && d.verdict != "reject" && d.verdict != "abstain") return std::nullopt;
  if (!(d.confidence >= 0 && d.confidence <= 1)) return std::nullopt;
  return d;
}

}  // namespace delta::signals
