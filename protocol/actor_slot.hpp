#pragma once
// The stable address of a supervised actor. A supervisor writes the current
// handle into the slot on every (re)start; callers read it per message and
// never keep a raw handle across messages. Compared with routing every message
// through the supervisor, this saves one mailbox hop on hot paths; messages
// sent in the instant between a crash and the restart fail with
// request_receiver_down exactly as they would through a proxy.

#include <memory>
#include <mutex>

namespace delta::protocol {

template <class Handle>
class actor_slot {
 public:
  Handle get() const {
    std::lock_guard guard{mutex_};
    return handle_;
  }
  void set(Handle h) {
    std::lock_guard guard{mutex_};
    handle_ = std::move(h);
  }

 private:
  mutable std::mutex mutex_;
  Handle handle_;
};

template <class Handle>
using slot_ptr = std::shared_ptr<actor_slot<Handle>>;

}  // namespace delta::protocol
