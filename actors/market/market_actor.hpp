#pragma once
#include "protocol/market.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <cstddef>

namespace delta::storage {
class pg_pool;
}

namespace delta::market {

struct market_options {
  std::chrono::seconds cache_ttl{30};
  std::size_t cache_max_entries = 100000;
};

// Spawns the market actor: securities served from its cache, fed by PostgreSQL.
protocol::market_actor spawn_market_actor(caf::local_actor& parent, storage::pg_pool& pool,
                                          market_options options);

}  // namespace delta::market
