#pragma once
// Pure: the database component's health from a probe outcome and pool figures.
#include "protocol/health.hpp"
#include "storage/pg_pool.hpp"

#include <optional>

namespace delta::health {

// probe_ok: nullopt when the probe timed out.
inline protocol::component_health database_health(std::optional<bool> probe_ok,
                                                  const storage::pool_stats& pool) {
  protocol::component_health c;
  c.name = "database";
  c.details = {{"pool_size", pool.size},       {"connected", pool.connected},
               {"busy", pool.busy},            {"queued", pool.queued},
               {"reconnects", pool.reconnects}};
  if (!probe_ok) {
    c.status = "unhealthy";
    c.message = "database did not answer in time";
  } else if (!*probe_ok) {
    c.status = "unhealthy";
    c.message = "database unavailable";
  } else if (pool.connected < pool.size) {
    c.status = "degraded";
    c.message = "some database connections are down";
  } else {
    c.status = "healthy";
    c.message = "ok";
  }
  return c;
}

}  // namespace delta::health
