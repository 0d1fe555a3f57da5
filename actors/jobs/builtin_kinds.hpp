#pragma once
// The job kinds this build ships, registered by name into a registry (the
// dispatcher itself lists none). All are idempotent (see handler.hpp):
//   noop               succeeds at once with {} (the benchmark's kind).
//   backtest           a strategy over the candles in the payload, or over
//                      stored candles of {ticker, timeframe, from, to}
//                      resampled by PostgreSQL (backtest.hpp); a bad
//                      payload or an unknown ticker is dead at once.
//                      Result {trades, total_return, max_drawdown, win_rate}.
//   refresh_summaries  the scheduled kind. PLACEHOLDER until the summary
//                      tables exist: it reads the job counts by status and
//                      records {"placeholder": true, "summary_rows": n,
//                      "jobs": {status: count}} where n is the number of
//                      rows it summarised.
// research_report (issue 5, through the LLM gateway) registers itself where
// the gateway actor is wired: it needs the gateway's handle.

#include "actors/jobs/handler_registry.hpp"

namespace delta::jobs {

void add_builtin_kinds(handler_registry& registry);

}  // namespace delta::jobs
