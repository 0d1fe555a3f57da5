#pragma once
// The life of a signal event (API.md "Signals"), pure: which stage runs
// next, the status a stage's success leaves, and what a failed attempt
// means (retry after a backoff, or dead in the dead-letter queue).
//
//   received --enrich--> enriched --evaluate--> evaluated --publish--> published
//   any stage failing: failed (the same stage runs again after the backoff)
//                      or dead once max_attempts failures are used up.

#include "core/backoff.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace delta::signals {

enum class event_status { received, enriched, evaluated, published, failed, dead };
enum class stage { enrich, evaluate, publish, none };

std::string_view name_of(event_status s);
std::string_view name_of(stage s);
std::optional<event_status> parse_status(std::string_view text);
std::optional<stage> parse_stage(std::string_view text);

// The stage an event in `s` waits for (none for published and dead). A
// failed event keeps its own next stage (stored beside the status).
stage stage_after(event_status s);

struct stage_success {
  event_status status;  // what the event becomes
  stage next;           // what runs next (none: finished)
};

stage_success on_success(stage done);

struct retry_settings {
  int max_attempts = 5;  // failed attempts of one stage before dead (a stage that succeeds starts the count again)
  core::backoff_config backoff{std::chrono::milliseconds(1000), std::chrono::minutes(1),
                               std::chrono::milliseconds(50)};
};

struct failure_plan {
  event_status status;  // failed or dead
  int attempts;         // failed attempts including this one
  std::chrono::milliseconds retry_in{0};  // failed only
};

// `failed_before`: the event's attempts so far; `draw` in [0, 1) is the jitter.
failure_plan on_failure(const retry_settings& cfg, int failed_before, double draw);

// Statuses the pipeline still has to work on.
bool unfinished(event_status s);

}  // namespace delta::signals
