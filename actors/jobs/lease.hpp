#pragma once
// Lease arithmetic of running jobs. A claim gives the node a lease of
// `length`; the job's entity renews it every `renew_every`, so a lease is lost
// only when the node stops renewing (died, hung, partitioned). After expiry
// any node may claim the job again (at-least-once). Renewing at a third of the
// length leaves two renewals' worth of slack for a slow database round trip.
// Expiry itself is judged by the database clock in the claim query; these
// functions decide when the holder renews and when it must give up.

#include <chrono>

namespace delta::jobs {

class lease_policy {
 public:
  using clock = std::chrono::steady_clock;

  // Throws std::invalid_argument unless 0 < renew_every < length.
  explicit lease_policy(std::chrono::milliseconds length);
  lease_policy(std::chrono::milliseconds length, std::chrono::milliseconds renew_every);

  std::chrono::milliseconds length() const { return length_; }
  std::chrono::milliseconds renew_every() const { return renew_every_; }

  // Expiry of a lease granted or renewed at `at`.
  clock::time_point expires_at(clock::time_point at) const { return at + length_; }

  // A lease counts as expired from its expiry instant on (not one tick later).
  static bool expired(clock::time_point expires_at, clock::time_point now) { return now >= expires_at; }

  // Whether a lease last renewed at `renewed` is due for renewal at `now`.
  bool renewal_due(clock::time_point renewed, clock::time_point now) const {
    return now - renewed >= renew_every_;
  }

  // The holder's own view: without a confirmed renewal since `renewed`, it
  // must assume another node may already hold the job and stop its handler.
  bool holder_must_stop(clock::time_point renewed, clock::time_point now) const {
    return expired(expires_at(renewed), now);
  }

 private:
  std::chrono::milliseconds length_;
  std::chrono::milliseconds renew_every_;
};

}  // namespace delta::jobs
