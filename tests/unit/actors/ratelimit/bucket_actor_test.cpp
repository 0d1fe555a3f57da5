// actors/ratelimit/bucket_actor.hpp with a real actor system (no I/O): the
// bucket region owns one bucket entity per key, so concurrent requests from
// many actors are counted exactly. Every wait is a request with a timeout.
#include "actors/ratelimit/bucket_actor.hpp"

#include "protocol/ratelimit.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace delta;
using protocol::admit_atom;
using protocol::admit_decision;
using protocol::admit_request;
using protocol::entity_atom;
using protocol::limit_kind;
using namespace std::chrono_literals;

namespace {

constexpr auto timeout = 10s;

admit_request hourly_quota(std::int64_t per_hour) {
  admit_request r;
  r.limits.push_back({"quota", limit_kind::hourly_quota, per_hour, 3600000, 0});
  return r;
}

class BucketRegionTest : public ::testing::Test {
 protected:
  static caf::actor_system_config& configured(caf::actor_system_config& cfg) {
    cfg.set("scheduler.max-threads", 2);
    return cfg;
  }

  BucketRegionTest() : sys{configured(cfg)}, self{sys} {
    region = ratelimit::spawn_bucket_region(*self, "test-buckets", std::chrono::hours(1));
  }

  ~BucketRegionTest() override {
    // Passivate every bucket (the reply says the region has sent it to all),
    // then stop the region, so the actor system can end.
    self->request(region, timeout, protocol::broadcast_atom::value,
                  caf::make_message(protocol::passivate_atom::value))
        .receive([] {}, [&](const caf::error& err) { ADD_FAILURE() << sys.render(err); });
    caf::anon_send_exit(region, caf::exit_reason::kill);
  }

  admit_decision admit(const std::string& key, const admit_request& r) {
    admit_decision out;
    out.allowed = false;
    self->request(region, timeout, entity_atom::value, key, caf::make_message(admit_atom::value, r))
        .receive([&](const admit_decision& d) { out = d; },
                 [&](const caf::error& err) { ADD_FAILURE() << key << ": " << sys.render(err); });
    return out;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  caf::actor region;
};

}  // namespace

TEST_F(BucketRegionTest, AnswersWithTheDecisionOfTheKeysBucket) {
  auto d = admit("key:dk_live_abcdefgh", hourly_quota(100));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.limit, 100);
  EXPECT_EQ(d.remaining, 99);
  EXPECT_EQ(d.reset_seconds, 3600);
  EXPECT_EQ(admit("key:dk_live_abcdefgh", hourly_quota(100)).remaining, 98);
}

TEST_F(BucketRegionTest, KeepsEachKeysCountInItsOwnBucket) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(admit("user:a", hourly_quota(3)).allowed);
  auto rejected = admit("user:a", hourly_quota(3));
  EXPECT_FALSE(rejected.allowed);
  EXPECT_GE(rejected.retry_after_seconds, 3599);
  EXPECT_TRUE(admit("user:b", hourly_quota(3)).allowed);
  EXPECT_TRUE(admit("ip:127.0.0.1", hourly_quota(3)).allowed);
}

TEST_F(BucketRegionTest, AdmitsExactlyTheQuotaOfTwoHundredConcurrentRequestsToOneKey) {
  // Four actors on their own threads, each with 50 requests in flight at once.
  const auto request = hourly_quota(100);
  std::atomic<int> allowed{0}, rejected{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      caf::scoped_actor me{sys};
      auto send_one = [&] {
        return me->request(region, timeout, entity_atom::value, std::string{"key:dk_live_concurr"},
                           caf::make_message(admit_atom::value, request));
      };
      std::vector<decltype(send_one())> in_flight;
      for (int i = 0; i < 50; ++i) in_flight.push_back(send_one());
      for (auto& pending : in_flight)
        pending.receive([&](const admit_decision& d) { ++(d.allowed ? allowed : rejected); },
                        [&](const caf::error&) { ++failed; });
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(allowed.load(), 100);
  EXPECT_EQ(rejected.load(), 100);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_FALSE(admit("key:dk_live_concurr", request).allowed);
}
