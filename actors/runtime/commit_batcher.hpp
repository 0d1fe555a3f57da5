#pragma once
// Group commit, the pure part: items queue up while commits are running;
// each commit takes everything queued (at most batch_max items), and at most
// in_flight_max commits run at once. Concurrent callers therefore share one
// transaction (and one WAL flush) instead of paying one each, while a lone
// caller still commits at once.

#include <algorithm>
#include <cstddef>
#include <deque>
#include <iterator>
#include <vector>

namespace delta::runtime {

template <class Item>
class commit_batcher {
 public:
  commit_batcher(std::size_t batch_max, int in_flight_max)
      : batch_max_(std::max<std::size_t>(1, batch_max)), in_flight_max_(std::max(1, in_flight_max)) {}

  void push(Item item) { queue_.push_back(std::move(item)); }

  // The next batch to commit; empty when nothing is queued or the commits
  // in flight are at the limit. A non-empty batch counts as in flight until
  // finished() is called for it.
  std::vector<Item> next() {
    std::vector<Item> batch;
    if (queue_.empty() || in_flight_ >= in_flight_max_) return batch;
    auto n = std::min(queue_.size(), batch_max_);
    batch.reserve(n);
    std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(batch));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    ++in_flight_;
    return batch;
  }

  void finished() { in_flight_ = std::max(0, in_flight_ - 1); }

  std::size_t queued() const { return queue_.size(); }
  int in_flight() const { return in_flight_; }

 private:
  std::size_t batch_max_;
  int in_flight_max_;
  int in_flight_ = 0;
  std::deque<Item> queue_;
};

}  // namespace delta::runtime
