#pragma once
// How an actor talks to PostgreSQL without blocking its scheduler thread:
// the pool runs the call on its own thread and its callback sends the reply
// back to the actor as a db_reply message; the actor then runs the
// continuation it registered, on its own thread, with its own state.

#include "storage/pg_pool.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include "protocol/local_message.hpp"
#include <caf/atom.hpp>
#include <caf/expected.hpp>
#include <caf/send.hpp>

#include <cstdint>
#include <functional>
#include <unordered_map>

// Local only: a reply never leaves the node whose pool produced it.
DELTA_LOCAL_MESSAGE(delta::storage::pg_reply)

namespace delta::runtime {

using db_reply_atom = caf::atom_constant<caf::atom("dbreply")>;

class db_calls {
 public:
  using continuation = std::function<void(storage::pg_reply&)>;

  // Submits `steps` and arranges for `then` to run inside `self` with the reply.
  template <class Self>
  void call(Self* self, storage::pg_pool& pool, std::vector<storage::pg_statement> steps,
            bool transaction, continuation then) {
    auto id = next_id_++;
    pending_.emplace(id, std::move(then));
    // A strong handle: the reply may arrive after the actor restarted, and is
    // then simply dropped with the dead actor's mailbox.
    auto target = caf::actor_cast<caf::actor>(self);
    pool.call(std::move(steps), transaction, [target, id](storage::pg_reply reply) {
      caf::anon_send(target, db_reply_atom::value, id, std::move(reply));
    });
  }

  // Runs `steps` (no transaction), then answers a response promise of T
  // with `convert(results)` (a caf::expected<T>) or with `failure(pg_error)`.
  template <class T, class Self, class Convert, class Failure>
  auto answer(Self* self, storage::pg_pool& pool, std::vector<storage::pg_statement> steps, Convert convert,
              Failure failure) {
    auto promise = self->template make_response_promise<T>();
    call(self, pool, std::move(steps), false, [promise, convert, failure](storage::pg_reply& reply) mutable {
      if (!reply.ok()) return void(promise.deliver(failure(*reply.error)));
      caf::expected<T> out = convert(reply.results);
      if (out) promise.deliver(std::move(*out));
      else promise.deliver(out.error());
    });
    return promise;
  }

  // Runs the continuation registered for `id` (from the db_reply handler).
  void complete(std::uint64_t id, storage::pg_reply& reply) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    auto then = std::move(it->second);
    pending_.erase(it);
    then(reply);
  }

  std::size_t in_flight() const { return pending_.size(); }

 private:
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, continuation> pending_;
};

}  // namespace delta::runtime
