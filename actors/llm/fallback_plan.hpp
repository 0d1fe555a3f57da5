#pragma once
// The walk over a use case's chain: its routing row's endpoint first, then
// the fallback chain in priority order. Endpoints whose breaker refuses are
// skipped without a call, so an outage of the primary costs one fast skip
// rather than a slow timeout per request.
//
// Two forms:
//  - plan_attempts(): the whole order at once from a side-effect-free
//    predicate (e.g. breaker::would_allow) — for previews, /health/detailed
//    and tests;
//  - fallback_walk: one endpoint at a time, asking the breaker just before
//    each attempt. The gateway uses this one, because asking a half-open
//    breaker claims its single probe: it must only be asked for an endpoint
//    we are really about to call. With breakers in their own entity actors
//    the answer comes back as a message, so the walk can also be driven
//    step by step: candidate() -> ask that breaker -> admitted() or refused().

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "actors/llm/endpoint.hpp"

namespace delta::llm {

// The route's endpoint followed by its fallbacks, with repeats removed (the
// first occurrence keeps its place): calling the same endpoint twice in one
// walk would only repeat its failure; retries are retry_policy's business.
std::vector<endpoint> build_chain(const endpoint& primary, const std::vector<endpoint>& fallbacks);

struct attempt_plan {
  std::vector<std::size_t> attempts;  // indexes into the chain, in order
  std::vector<std::size_t> skipped;   // refused by their breaker, in order
  // Every endpoint was refused (or the chain is empty): answer 503 at once.
  bool all_unavailable() const { return attempts.empty(); }
};

using admits_fn = std::function<bool(const endpoint&)>;

attempt_plan plan_attempts(const std::vector<endpoint>& chain, const admits_fn& admits);

class fallback_walk {
 public:
  explicit fallback_walk(std::vector<endpoint> chain);

  // The next endpoint to call: the first not yet visited whose breaker
  // `admits` it now; those refused on the way are recorded as skipped.
  // nullopt when the chain is exhausted. Call again after a failed endpoint
  // (once retry_policy has given up on it).
  std::optional<std::size_t> next(const admits_fn& admits);

  // The same walk, one step at a time (for an asynchronous breaker answer):
  // the endpoint to ask about next, or nullopt when the chain is exhausted.
  // Repeated calls return the same index until admitted() or refused().
  std::optional<std::size_t> candidate() const;
  void admitted();  // the candidate's breaker admitted the call: it is attempted
  void refused();   // the candidate's breaker refused: it is skipped

  const std::vector<endpoint>& chain() const { return chain_; }
  const endpoint& at(std::size_t i) const { return chain_.at(i); }
  const std::vector<std::size_t>& attempted() const { return plan_.attempts; }
  const std::vector<std::size_t>& skipped() const { return plan_.skipped; }
  bool exhausted() const { return cursor_ >= chain_.size(); }
  // Exhausted without a single attempt: every breaker was open.
  bool all_unavailable() const { return exhausted() && plan_.attempts.empty(); }

 private:
  std::vector<endpoint> chain_;
  std::size_t cursor_ = 0;
  attempt_plan plan_;
};

}  // namespace delta::llm
