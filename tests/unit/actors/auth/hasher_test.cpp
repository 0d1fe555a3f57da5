// actors/auth/hasher.hpp on a local actor system: requests are hashed by
// the detached workers, and stopping the hasher drops its backlog (callers
// hear at once) instead of working it off. Each hash costs ~0.1 s of CPU,
// so the tests hash only a few times. Every wait is bounded.
#include "actors/auth/hasher.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

using namespace delta::auth;
using namespace std::chrono_literals;

namespace {

using hashed_atom = caf::atom_constant<caf::atom("hashed")>;
using refused_atom = caf::atom_constant<caf::atom("refused")>;

constexpr auto timeout = 30s;

class HasherTest : public ::testing::Test {
 protected:
  HasherTest() : sys{cfg}, self{sys} {}

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
};

}  // namespace

TEST_F(HasherTest, HashesAndVerifiesOnItsWorkers) {
  auto hasher = spawn_hasher(*self, 2);
  std::string encoded;
  self->request(hasher, timeout, hash_password_atom::value, std::string{"a long password"})
      .receive([&](const std::string& out) { encoded = out; },
               [&](const caf::error& err) { ADD_FAILURE() << sys.render(err); });
  EXPECT_EQ(encoded.rfind("$argon2id$", 0), 0u) << encoded;
  for (auto [password, expected] : {std::pair{"a long password", true}, std::pair{"a wrong password", false}}) {
    self->request(hasher, timeout, verify_password_atom::value, encoded, std::string{password})
        .receive([&, expected = expected](bool ok) { EXPECT_EQ(ok, expected) << password; },
                 [&](const caf::error& err) { ADD_FAILURE() << sys.render(err); });
  }
  self->send_exit(hasher, caf::exit_reason::user_shutdown);
}

TEST_F(HasherTest, DropsItsBacklogWhenItStopsAndSaysSoToEveryCaller) {
  constexpr int requests = 12;
  auto hasher = spawn_hasher(*self, 1);
  auto observer = caf::actor_cast<caf::actor>(self);
  // A client with every request in the hasher's queue at once.
  sys.spawn([hasher, observer](caf::event_based_actor* client) {
    for (int i = 0; i < requests; ++i)
      client->request(hasher, timeout, hash_password_atom::value, "password number " + std::to_string(i))
          .then([client, observer](const std::string&) { client->send(observer, hashed_atom::value); },
                [client, observer](const caf::error&) { client->send(observer, refused_atom::value); });
  });
  int hashed = 0;
  int refused = 0;
  auto count = [&] {
    self->receive([&](hashed_atom) { ++hashed; }, [&](refused_atom) { ++refused; },
                  caf::after(timeout) >> [&] { ADD_FAILURE() << "a caller got no answer"; });
  };
  count();
  ASSERT_EQ(hashed, 1) << "the first request was not hashed";
  self->send_exit(hasher, caf::exit_reason::user_shutdown);
  for (int i = 1; i < requests; ++i) count();
  EXPECT_EQ(hashed + refused, requests);
  // Only what a worker had in hand when the hasher stopped was still hashed.
  EXPECT_LE(hashed, 3);
}
