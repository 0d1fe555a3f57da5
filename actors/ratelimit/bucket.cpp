#include "actors/ratelimit/bucket.hpp"

#include <algorithm>
#include <vector>

namespace delta::ratelimit {

namespace {

// Rounded up, so a client that waits exactly this long is admitted.
std::int64_t ceil_seconds(clock::duration d) {
  return std::max<std::int64_t>(0, std::chrono::ceil<std::chrono::seconds>(d).count());
}

}  // namespace

bucket::limiter& bucket::limiter_for(const protocol::limit_spec& spec) {
  auto period = std::chrono::milliseconds(spec.period_ms);
  auto it = limiters_.find(spec.name);
  bool quota = spec.kind == protocol::limit_kind::hourly_quota;
  if (it == limiters_.end() || std::holds_alternative<sliding_log>(it->second) != quota) {
    limiter fresh = quota ? limiter{sliding_log{spec.count, std::chrono::hours(1)}}
                          : limiter{gcra{spec.count, period, spec.burst}};
    return limiters_.insert_or_assign(spec.name, std::move(fresh)).first->second;
  }
  // Parameters may change under a live bucket (an admin changed the tier):
  // the state is kept, so no one gains capacity by the change itself.
  if (auto* log = std::get_if<sliding_log>(&it->second)) {
    log->set_limit(spec.count);
  } else if (auto* cell = std::get_if<gcra>(&it->second);
             !cell->same_parameters(spec.count, period, spec.burst)) {
    cell->reconfigure(spec.count, period, spec.burst);
  }
  return it->second;
}

protocol::admit_decision bucket::admit(const protocol::admit_request& request,
                                       clock::time_point now) {
  std::vector<std::pair<limiter*, limit_state>> states;
  states.reserve(request.limits.size());
  for (auto& spec : request.limits) {
    auto& l = limiter_for(spec);
    auto st = std::visit([&](auto& x) { return x.check(now, request.cost); }, l);
    states.emplace_back(&l, st);
  }
  protocol::admit_decision d;
  d.allowed = std::all_of(states.begin(), states.end(), [](auto& s) { return s.second.allowed; });
  if (d.allowed)
    for (auto& [l, st] : states) std::visit([&](auto& x) { x.commit(now, request.cost); }, *l);
  // Report the tightest limit: fewest remaining, and for a rejection the
  // longest wait among the limits that rejected.
  const limit_state* tightest = nullptr;
  for (auto& [l, st] : states) {
    if (!tightest || st.remaining < tightest->remaining) tightest = &st;
    if (!st.allowed)
      d.retry_after_seconds = std::max(d.retry_after_seconds, ceil_seconds(st.retry_after));
  }
  if (tightest) {
    d.limit = tightest->limit;
    d.remaining = tightest->remaining;
    d.reset_seconds = ceil_seconds(tightest->reset_after);
  }
  if (!d.allowed) d.retry_after_seconds = std::max<std::int64_t>(1, d.retry_after_seconds);
  return d;
}

bool bucket::at_rest(clock::time_point now) {
  return std::all_of(limiters_.begin(), limiters_.end(), [&](auto& entry) {
    return std::visit([&](auto& x) { return x.at_rest(now); }, entry.second);
  });
}

}  // namespace delta::ratelimit
