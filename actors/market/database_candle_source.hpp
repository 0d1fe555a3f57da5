#pragma once
// candle_source over PostgreSQL: the ticker's security, then its bars
// resampled in SQL (storage/candle_repository), through the pool, so the
// calling thread never waits on libpq. `done` runs on the pool's thread.

#include "actors/market/candle_source.hpp"

namespace delta::storage {
class pg_pool;
}

namespace delta::market {

class database_candle_source final : public candle_source {
 public:
  explicit database_candle_source(storage::pg_pool& pool) : pool_(pool) {}
  void read(const bar_request& request, bar_callback done) override;

 private:
  storage::pg_pool& pool_;
};

}  // namespace delta::market
