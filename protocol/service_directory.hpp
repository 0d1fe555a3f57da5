#pragma once
// Where the node's services are found: one slot per service, named by a key
// that the service's domain declares next to its messages, e.g.
//
//   inline constexpr service<market_actor> market_service{"market"};   // protocol/market.hpp
//
// A module's supervisor publishes the current handle into the slot (and
// again on every restart); routes and other modules read it per message,
// never keeping a handle across messages. A domain adds a service by
// declaring its key: no central list of services.
//
// Slots are created while the node assembles its modules (any module may
// ask for another's slot before that one exists); freeze() ends that phase,
// after which lookups take no lock. A key no module created by then has no
// service behind it: it gets an empty slot (callers answer "unavailable").

#include "protocol/actor_slot.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <typeindex>
#include <utility>

namespace delta::protocol {

template <class Value>
struct service {
  const char* name;  // unique per Value type; also the slot's name in logs
};

class service_directory {
 public:
  // The slot of `key`, created on first use before freeze().
  template <class Value>
  slot_ptr<Value> slot(const service<Value>& key) const {
    auto id = std::make_pair(std::type_index(typeid(Value)), std::string{key.name});
    std::unique_lock lock{mutex_, std::defer_lock};
    bool frozen = frozen_.load(std::memory_order_acquire);
    if (!frozen) lock.lock();
    auto it = slots_.find(id);
    if (it != slots_.end()) return std::static_pointer_cast<actor_slot<Value>>(it->second);
    if (frozen) return std::make_shared<actor_slot<Value>>();
    return std::static_pointer_cast<actor_slot<Value>>(
        slots_.emplace(std::move(id), std::make_shared<actor_slot<Value>>()).first->second);
  }

  // The current value of `key` (an empty handle while its actor restarts).
  template <class Value>
  Value get(const service<Value>& key) const {
    return slot(key)->get();
  }

  // Publishes `value` (tests and services without a supervisor).
  template <class Value>
  void set(const service<Value>& key, Value value) const {
    slot(key)->set(std::move(value));
  }

  void freeze() {
    std::lock_guard guard{mutex_};
    frozen_.store(true, std::memory_order_release);
  }

 private:
  mutable std::mutex mutex_;
  std::atomic<bool> frozen_{false};
  mutable std::map<std::pair<std::type_index, std::string>, std::shared_ptr<void>> slots_;
};

using services_ptr = std::shared_ptr<service_directory>;

}  // namespace delta::protocol
