#pragma once
// Pure: the bounded send queue of one WebSocket connection. Messages wait
// here while the client reads slowly; the bound is by count and by bytes
// (the message being written counts until it is written). A push that would
// exceed either bound is refused and closes the queue: the connection is
// then closed with 1008, never buffered without bound. Not thread-safe: the
// owner locks.

#include <cstddef>
#include <deque>
#include <string>

namespace delta::http {

class send_queue {
 public:
  send_queue(std::size_t max_messages, std::size_t max_bytes)
      : max_messages_(max_messages), max_bytes_(max_bytes) {}

  enum class push_result {
    first,     // queued and the queue was empty: the writer should start on front()
    queued,    // queued behind others (the writer is busy)
    overflow,  // refused: a bound would be exceeded; the queue is now closed
    closed,    // refused: the queue was closed before
  };

  push_result push(std::string message);

  // The oldest message: the one being written. Only when !empty(). The
  // reference stays valid until pop(), whatever is pushed meanwhile.
  const std::string& front() const { return messages_.front(); }
  // Drops front() once written; true when another message waits.
  bool pop();

  // Refuses further pushes and drops every waiting message but front(),
  // which may be in the middle of a write (a slow client's queue).
  void close();
  // Refuses further pushes; what is queued is still to be written (an
  // orderly close after a last message).
  void seal() { closed_ = true; }

  bool closed() const { return closed_; }
  bool empty() const { return messages_.empty(); }
  std::size_t size() const { return messages_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  std::size_t max_messages_;
  std::size_t max_bytes_;
  std::deque<std::string> messages_;
  std::size_t bytes_ = 0;
  bool closed_ = false;
};

}  // namespace delta::http
