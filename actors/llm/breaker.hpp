#pragma once
// Circuit breaker for one provider endpoint (pure state machine; the breaker
// entity actor owns one and passes the time in).
//
//   closed --N consecutive failures--> open --cooldown elapsed, allow()--> half_open
//   half_open --probe succeeds--> closed      half_open --probe fails--> open (new cooldown)
//
// While open, allow() is false so callers skip the endpoint at once instead
// of waiting for its timeout. Half-open admits exactly one probe; everything
// else is refused until that probe's outcome is recorded.
//
// Outcomes are matched to the admission that produced them (a `permit`):
// a call admitted while closed that finishes after the breaker opened, or a
// late answer from an abandoned probe, must not close the breaker, so
// outcomes of an earlier epoch are ignored.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace delta::llm {

enum class breaker_state { closed, open, half_open };

std::string_view to_string(breaker_state s);  // "closed", "open", "half_open"

struct breaker_config {
  int failure_threshold = 5;  // consecutive failures that open the breaker
  std::chrono::steady_clock::duration cooldown = std::chrono::seconds{60};  // open -> half_open
  // A probe that never reports (its caller vanished) is given up after this
  // long and another probe is admitted; without it the breaker could stay
  // half-open forever. Keep it above the longest per-call timeout.
  std::chrono::steady_clock::duration probe_timeout = std::chrono::seconds{60};
};

// What GET /admin/llm/breakers shows for one endpoint. Times are steady-clock;
// convert with to_system_time() for the response.
struct breaker_snapshot {
  breaker_state state = breaker_state::closed;
  int failures = 0;  // consecutive failures (kept while open/half-open)
  std::optional<std::chrono::steady_clock::time_point> opened_at;  // last closed/half_open -> open
  std::optional<std::chrono::steady_clock::time_point> retry_at;   // when a probe is next allowed
};

// Proof of admission, handed back with the outcome.
struct breaker_permit {
  bool admitted = false;
  bool probe = false;       // the single half-open probe
  std::uint64_t epoch = 0;  // the breaker's epoch when admitted
  explicit operator bool() const { return admitted; }
};

class breaker {
 public:
  using clock = std::chrono::steady_clock;

  explicit breaker(breaker_config cfg = {});

  // Asks to make a call now. May move open -> half_open (cooldown elapsed)
  // and hand out the probe. A refused permit needs no outcome.
  breaker_permit allow(clock::time_point now);

  // The outcome of an admitted call. Stale permits (older epoch) are ignored.
  void record_success(const breaker_permit& p, clock::time_point now);
  void record_failure(const breaker_permit& p, clock::time_point now);

  // Would allow() admit a call now? Does not claim the probe: for planning
  // and display only.
  bool would_allow(clock::time_point now) const;

  // The state as a caller would experience it now: an open breaker whose
  // cooldown has elapsed shows as half_open (its next allow() is the probe).
  breaker_snapshot snapshot(clock::time_point now) const;

  // Forget everything (admin reset, or the endpoint's config changed).
  void reset();

 private:
  void open(clock::time_point now);

  breaker_config cfg_;
  breaker_state state_ = breaker_state::closed;
  int failures_ = 0;
  std::uint64_t epoch_ = 0;  // bumped on every state change
  clock::time_point opened_at_{};
  clock::time_point retry_at_{};
  bool probe_out_ = false;
  clock::time_point probe_started_{};
  bool ever_opened_ = false;
};

// Steady -> wall time for display: `t` is as far from `system_now` as it is
// from `steady_now`. Both "now"s are the caller's (no clock is read here).
std::chrono::system_clock::time_point to_system_time(std::chrono::steady_clock::time_point t,
                                                     std::chrono::steady_clock::time_point steady_now,
                                                     std::chrono::system_clock::time_point system_now);

}  // namespace delta::llm
