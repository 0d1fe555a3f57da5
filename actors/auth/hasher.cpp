#include "actors/auth/hasher.hpp"

#include "actors/auth/secrets.hpp"

#include <caf/all.hpp>

#include <deque>
#include <vector>

namespace delta::auth {

namespace {

using worker_ready_atom = caf::atom_constant<caf::atom("hashready")>;

// Answers its callers directly (the hasher delegates to it), then tells
// the hasher it can take the next request.
caf::behavior worker(caf::event_based_actor* self, caf::actor_addr hasher) {
  auto ready = [self, hasher] {
    if (auto h = caf::actor_cast<caf::actor>(hasher)) self->send(h, worker_ready_atom::value);
  };
  return {
      [ready](hash_password_atom, const std::string& password) {
        auto encoded = hash_password(password);
        ready();
        return encoded;
      },
      [ready](verify_password_atom, const std::string& encoded, const std::string& password) {
        bool ok = verify_password(encoded, password);
        ready();
        return ok;
      },
  };
}

// A request waiting for a worker.
struct waiting_request {
  caf::response_promise promise;
  caf::message request;
};

struct hasher_state {
  static inline const char* name = "delta.hasher";
  std::vector<caf::actor> idle;  // workers without a request
  std::deque<waiting_request> waiting;

  // Stopping drops the backlog, and its callers hear so at once. A request
  // a worker has in hand is still answered by that worker.
  ~hasher_state() {
    for (auto& w : waiting) w.promise.deliver(caf::make_error(caf::sec::request_receiver_down));
  }
};

using hasher_self = caf::stateful_actor<hasher_state>*;

void dispatch(hasher_self self) {
  auto& st = self->state;
  while (!st.idle.empty() && !st.waiting.empty()) {
    auto next = std::move(st.waiting.front());
    st.waiting.pop_front();
    next.promise.delegate(st.idle.back(), std::move(next.request));
    st.idle.pop_back();
  }
}

caf::response_promise enqueue(hasher_self self, caf::message request) {
  auto promise = self->make_response_promise();
  self->state.waiting.push_back({promise, std::move(request)});
  dispatch(self);
  return promise;
}

caf::behavior hasher(hasher_self self, std::size_t threads) {
  for (std::size_t i = 0; i < threads; ++i)
    self->state.idle.push_back(self->spawn<caf::detached + caf::linked>(worker, self->address()));
  return {
      [self](hash_password_atom a, const std::string& password) {
        return enqueue(self, caf::make_message(a, password));
      },
      [self](verify_password_atom a, const std::string& encoded, const std::string& password) {
        return enqueue(self, caf::make_message(a, encoded, password));
      },
      [self](worker_ready_atom) {
        self->state.idle.push_back(caf::actor_cast<caf::actor>(self->current_sender()));
        dispatch(self);
      },
  };
}

}  // namespace

caf::actor spawn_hasher(caf::local_actor& parent, std::size_t threads) {
  init_sodium();
  decoy_password_hash();  // computed once at start, not on the first unknown login
  return parent.spawn(hasher, threads);
}

}  // namespace delta::auth
