#include "actors/llm/call_sequence.hpp"

namespace delta::llm {

std::string_view to_string(give_up_reason r) {
  switch (r) {
    case give_up_reason::all_unavailable: return "all_unavailable";
    case give_up_reason::exhausted: return "exhausted";
    case give_up_reason::deadline: return "deadline";
  }
  return "unknown";
}

call_sequence::call_sequence(std::vector<endpoint> chain, retry_policy policy, clock::time_point deadline)
    : walk_{std::move(chain)}, policy_{policy}, deadline_{deadline} {}

call_step call_sequence::start(clock::time_point now) { return ask_next(now); }

call_step call_sequence::ask_next(clock::time_point now) {
  retrying_ = false;
  attempts_ = 0;
  if (now >= deadline_) return give_up(give_up_reason::deadline);
  auto i = walk_.candidate();
  if (!i) return give_up(walk_.all_unavailable() ? give_up_reason::all_unavailable : give_up_reason::exhausted);
  current_ = *i;
  return {call_step::kind::ask_breaker, *i, {}, {}};
}

void call_sequence::on_admitted() {
  if (!retrying_) walk_.admitted();
  ++attempts_;
}

call_step call_sequence::on_refused(clock::time_point now) {
  // A retry's endpoint was admitted by the walk already; only a first ask
  // records a skip.
  if (!retrying_) walk_.refused();
  return ask_next(now);
}

call_step call_sequence::on_failure(const call_failure& f, clock::time_point now, double draw) {
  failures_.push_back({current_, f.kind, f.status});
  if (now >= deadline_) return give_up(give_up_reason::deadline);
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now);
  auto d = policy_.after_failure(f, attempts_, remaining, draw);
  if (d.retry()) {
    retrying_ = true;
    return {call_step::kind::ask_breaker, current_, d.delay, {}};
  }
  return ask_next(now);
}

}  // namespace delta::llm
