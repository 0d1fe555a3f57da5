#pragma once
#include "protocol/actor_slot.hpp"
#include "protocol/auth.hpp"

#include <caf/fwd.hpp>

#include <chrono>

namespace delta::storage {
class pg_pool;
}

namespace delta::auth {

struct auth_options {
  std::chrono::seconds session_ttl{std::chrono::hours(24)};
  // How often the tier table is read again: a change made through another
  // node reaches this one within this plus one reload's round trip
  // through the pool (a node under 96 clients' load saw changes within
  // 2.2 s at the former 2 s), well inside the 5 s of API.md. Buckets take the new limit with their next request (the edge
  // sends the current limit with every admission).
  std::chrono::milliseconds entitlements_refresh{1000};
};

// The auth actor: users, API keys, tiers. It publishes the entitlement table
// into `entitlements` (readers take immutable snapshots) and tells
// subscribers (edges caching credentials) when a key or user changes.
protocol::auth_actor spawn_auth_actor(caf::local_actor& parent, storage::pg_pool& pool,
                                      protocol::slot_ptr<caf::actor> hasher,
                                      protocol::slot_ptr<protocol::entitlements_ptr> entitlements,
                                      protocol::slot_ptr<caf::actor> sessions_region,
                                      auth_options options);

// The region of session entities, keyed by the token's SHA-256.
caf::actor spawn_session_region(caf::local_actor& parent, storage::pg_pool& pool);

}  // namespace delta::auth
