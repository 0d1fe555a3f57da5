#include "actors/signals/event_state.hpp"

#include <array>
#include <utility>

namespace delta::signals {

namespace {

constexpr std::array<std::pair<event_status, std::string_view>, 6> status_names{{
    {event_status::received, "received"},
    {event_status::enriched, "enriched"},
    {event_status::evaluated, "evaluated"},
    {event_status::published, "published"},
    {event_status::failed, "failed"},
    {event_status::dead, "dead"},
}};

constexpr std::array<std::pair<stage, std::string_view>, 4> stage_names{{
    {stage::enrich, "enrich"},
    {stage::evaluate, "evaluate"},
    {stage::publish, "publish"},
    {stage::none, "none"},
}};

template <class Enum, std::size_t N>
std::string_view find_name(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum v) {
  for (auto& [value, name] : table)
    if (value == v) return name;
  return {};
}

template <class Enum, std::size_t N>
std::optional<Enum> find_value(const std::array<std::pair<Enum, std::string_view>, N>& table,
                               std::string_view text) {
  for (auto& [value, name] : table)
    if (name == text) return value;
  return std::nullopt;
}

}  // namespace

std::string_view name_of(event_status s) { return find_name(status_names, s); }
std::string_view name_of(stage s) { return find_name(stage_names, s); }
std::optional<event_status> parse_status(std::string_view text) { return find_value(status_names, text); }
std::optional<stage> parse_stage(std::string_view text) { return find_value(stage_names, text); }

stage stage_after(event_status s) {
  switch (s) {
    case event_status::received: return stage::enrich;
    case event_status::enriched: return stage::evaluate;
    case event_status::evaluated: return stage::publish;
    default: return stage::none;
  }
}

stage_success on_success(stage done) {
  switch (done) {
    case stage::enrich: return {event_status::enriched, stage::evaluate};
    case stage::evaluate: return {event_status::evaluated, stage::publish};
    case stage::publish: return {event_status::published, stage::none};
    case stage::none: break;
  }
  return {event_status::published, stage::none};
}

failure_plan on_failure(const retry_settings& cfg, int failed_before, double draw) {
  int attempts = failed_before + 1;
  if (attempts >= cfg.max_attempts) return {event_status::dead, attempts, {}};
  core::retry_backoff backoff{cfg.backoff};
  return {event_status::failed, attempts, backoff.delay(attempts, draw)};
}

bool unfinished(event_status s) { return s != event_status::published && s != event_status::dead; }

}  // namespace delta::signals
