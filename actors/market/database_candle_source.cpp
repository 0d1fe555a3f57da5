#include "actors/market/database_candle_source.hpp"

#include "actors/market/bar_plan.hpp"
#include "storage/candle_repository.hpp"
#include "storage/security_repository.hpp"

namespace delta::market {

namespace {

bar_reply failed(const storage::pg_error& e) {
  return {e.kind == storage::pg_failure::unavailable ? source_failure::unavailable
                                                     : source_failure::internal,
          e.message,
          {}};
}

storage::pg_statement bars_of(const std::string& security_id, const bar_request& request) {
  protocol::bar_range range;
  range.timeframe_seconds = request.timeframe_seconds;
  if (request.from) range.from = *request.from;
  if (request.to) range.to = *request.to;
  auto f = price_fetch(range);
  return storage::candles::bars(security_id, f.timeframe_seconds, f.rows_from, f.rows_until,
                                request.max_bars, false);
}

}  // namespace

void database_candle_source::read(const bar_request& request, bar_callback done) {
  auto& pool = pool_;
  pool.call(storage::securities::by_ticker(request.ticker),
            [&pool, request, done = std::move(done)](storage::pg_reply reply) mutable {
              if (!reply.ok()) return done(failed(*reply.error));
              auto security = storage::securities::to_security(reply.results.at(0));
              if (!security) return done({source_failure::not_found, "unknown ticker", {}});
              pool.call(bars_of(security->security_id, request),
                        [done = std::move(done)](storage::pg_reply bars) {
                          if (!bars.ok()) return done(failed(*bars.error));
                          done({std::nullopt, {}, storage::candles::to_candles(bars.results.at(0))});
                        });
            });
}

}  // namespace delta::market
