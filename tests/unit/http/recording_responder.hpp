#pragma once
// Tests of replies: a responder that keeps every response it is sent (from
// any thread) and lets the test wait, bounded, for the first one.

#include "http/message.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

namespace delta::http::test_support {

class recording_responder final : public responder {
 public:
  void send(response res) override {
    std::lock_guard guard{mutex_};
    sent_.push_back(std::move(res));
    arrived_.notify_all();
  }

  std::vector<response> sent() const {
    std::lock_guard guard{mutex_};
    return sent_;
  }

  // The first response, once it has come; nullopt if none within `limit`.
  std::optional<response> first_within(std::chrono::steady_clock::duration limit) {
    std::unique_lock lock{mutex_};
    if (!arrived_.wait_for(lock, limit, [&] { return !sent_.empty(); })) return std::nullopt;
    return sent_.front();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<response> sent_;
};

}  // namespace delta::http::test_support
