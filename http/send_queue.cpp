#include "http/send_queue.hpp"

namespace delta::http {

send_queue::push_result send_queue::push(std::string message) {
  if (closed_) return push_result::closed;
  if (messages_.size() + 1 > max_messages_ || bytes_ + message.size() > max_bytes_) {
    close();
    return push_result::overflow;
  }
  bytes_ += message.size();
  messages_.push_back(std::move(message));
  return messages_.size() == 1 ? push_result::first : push_result::queued;
}

bool send_queue::pop() {
  if (messages_.empty()) return false;
  bytes_ -= messages_.front().size();
  messages_.pop_front();
  return !messages_.empty();
}

void send_queue::close() {
  closed_ = true;
  while (messages_.size() > 1) {
    bytes_ -= messages_.back().size();
    messages_.pop_back();
  }
}

}  // namespace delta::http
