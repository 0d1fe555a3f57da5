// actors/runtime/entity_region.hpp with a real actor system (no I/O):
// spawn on first message, state kept per key, idle passivation, crashes.
//
// Every wait is on a message bounded by a timeout. spawn_entity tells the
// test "spawned <key> <n>" and attaches an exit observer to the entity before
// the region monitors it; CAF notifies the latest observer first, so when
// the test hears "exited" the region's down_msg is already queued, and a
// region_counts request sent afterwards sees its effect.
#include "actors/runtime/entity_region.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>

using namespace delta::runtime;
using namespace std::chrono_literals;

namespace {

using inc_atom = caf::atom_constant<caf::atom("inc")>;
using crash_atom = caf::atom_constant<caf::atom("crash")>;
using spawned_atom = caf::atom_constant<caf::atom("spawned")>;
using exited_atom = caf::atom_constant<caf::atom("exited")>;

constexpr auto timeout = 10s;

struct counter_state {
  static inline const char* name = "test.counter_entity";
  int count = 0;
};

// inc -> the number of incs this entity has seen; crash -> throws.
caf::behavior counter_entity(caf::stateful_actor<counter_state>* self) {
  return {
      [=](inc_atom) { return ++self->state.count; },
      [=](crash_atom) -> int { throw std::runtime_error("entity crashed on purpose"); },
      [=](passivate_atom) { self->quit(); },
  };
}

// A counter_entity that has set itself a timer an hour away (as a breaker
// does for its cooldown): the pending message holds a reference to it.
caf::behavior timed_entity(caf::stateful_actor<counter_state>* self) {
  self->delayed_send(self, 1h, inc_atom::value);
  return counter_entity(self);
}

class EntityRegionTest : public ::testing::Test {
 protected:
  static caf::actor_system_config& configured(caf::actor_system_config& cfg) {
    cfg.set("scheduler.max-threads", 2);
    return cfg;
  }

  EntityRegionTest() : sys{configured(cfg)}, self{sys} {}

  ~EntityRegionTest() override {
    // Stop the region and every entity it spawned so the actor system can end.
    std::lock_guard guard{mutex};
    if (region) caf::anon_send_exit(region, caf::exit_reason::kill);
    for (auto& addr : entities)
      if (auto e = caf::actor_cast<caf::actor>(addr)) caf::anon_send_exit(e, caf::exit_reason::kill);
  }

  void start_region(std::chrono::milliseconds idle_timeout = 1h,
                    std::chrono::milliseconds sweep_interval = 1h, bool timed = false) {
    auto observer = caf::actor_cast<caf::actor>(self);
    region_spec spec;
    spec.name = "test-region";
    spec.idle_timeout = idle_timeout;
    spec.sweep_interval = sweep_interval;
    spec.spawn_entity = [this, observer, timed](caf::local_actor& parent, const std::string& key) {
      int n = ++spawns[key];
      auto entity = timed ? parent.spawn(timed_entity) : parent.spawn(counter_entity);
      entity->attach_functor([observer, key, n](const caf::error& reason) {
        caf::anon_send(observer, exited_atom::value, key, n, reason);
      });
      {
        std::lock_guard guard{mutex};
        entities.push_back(entity.address());  // weak: the test must not keep entities alive
      }
      caf::anon_send(observer, spawned_atom::value, key, n);
      return entity;
    };
    auto r = spawn_region(*self, std::move(spec));
    std::lock_guard guard{mutex};
    region = r;
  }

  // Sends inc for `key` through the region; returns the entity's count.
  int inc(const std::string& key) {
    int count = -1;
    self->request(region, timeout, entity_atom::value, key, caf::make_message(inc_atom::value))
        .receive([&](int n) { count = n; },
                 [&](const caf::error& err) { ADD_FAILURE() << key << ": " << sys.render(err); });
    return count;
  }

  region_counts counts() {
    region_counts out;
    self->request(region, timeout, region_counts_atom::value)
        .receive([&](const region_counts& c) { out = c; },
                 [&](const caf::error& err) { ADD_FAILURE() << sys.render(err); });
    return out;
  }

  void expect_spawned(const std::string& key, int n) {
    bool seen = false;
    self->receive(
        [&](spawned_atom, const std::string& k, int i) {
          EXPECT_EQ(k, key);
          EXPECT_EQ(i, n) << key;
          seen = true;
        },
        caf::after(timeout) >> [&] {});
    EXPECT_TRUE(seen) << "entity " << key << " #" << n << " was not spawned";
  }

  caf::error expect_exited(const std::string& key, int n,
                           std::chrono::seconds limit = timeout) {
    caf::error out;
    bool seen = false;
    self->receive(
        [&](exited_atom, const std::string& k, int i, const caf::error& reason) {
          EXPECT_EQ(k, key);
          EXPECT_EQ(i, n) << key;
          out = reason;
          seen = true;
        },
        caf::after(limit) >> [&] {});
    EXPECT_TRUE(seen) << "entity " << key << " #" << n << " did not exit";
    return out;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  std::map<std::string, int> spawns;  // touched only by the region
  std::mutex mutex;
  caf::actor region;
  std::vector<caf::actor_addr> entities;
};

}  // namespace

TEST_F(EntityRegionTest, SpawnsAnEntityOnTheFirstMessageForAKey) {
  start_region();
  EXPECT_EQ(counts().spawned, 0);
  EXPECT_EQ(inc("bucket:ip:1"), 1);
  expect_spawned("bucket:ip:1", 1);
  auto c = counts();
  EXPECT_EQ(c.spawned, 1);
  EXPECT_EQ(c.active, 1);
}

TEST_F(EntityRegionTest, RoutesLaterMessagesForAKeyToTheSameEntity) {
  start_region();
  EXPECT_EQ(inc("a"), 1);
  EXPECT_EQ(inc("a"), 2);
  EXPECT_EQ(inc("a"), 3);
  expect_spawned("a", 1);
  EXPECT_EQ(counts().spawned, 1);
}

TEST_F(EntityRegionTest, GivesDifferentKeysDifferentEntities) {
  start_region();
  EXPECT_EQ(inc("a"), 1);
  EXPECT_EQ(inc("b"), 1);
  EXPECT_EQ(inc("a"), 2);
  EXPECT_EQ(inc("b"), 2);
  expect_spawned("a", 1);
  expect_spawned("b", 1);
  auto c = counts();
  EXPECT_EQ(c.spawned, 2);
  EXPECT_EQ(c.active, 2);
}

TEST_F(EntityRegionTest, PassivatesAnIdleEntityAndSpawnsAFreshOneOnTheNextMessage) {
  start_region(50ms, 20ms);
  EXPECT_EQ(inc("a"), 1);
  EXPECT_EQ(inc("a"), 2);
  expect_spawned("a", 1);
  // The region's sweep passivates the entity once it has been idle for 50 ms.
  EXPECT_FALSE(expect_exited("a", 1));  // passivation is a normal exit
  auto c = counts();
  EXPECT_EQ(c.passivated, 1);
  EXPECT_EQ(c.active, 0);
  EXPECT_EQ(c.crashed, 0);
  EXPECT_EQ(inc("a"), 1);  // new entity, fresh state
  expect_spawned("a", 2);
  c = counts();
  EXPECT_EQ(c.spawned, 2);
  EXPECT_EQ(c.active, 1);
}

TEST_F(EntityRegionTest, KeepsAnEntityThatIsInUse) {
  start_region(1h, 20ms);
  EXPECT_EQ(inc("a"), 1);
  // Several sweeps run meanwhile; none of them passivates a recently used entity.
  for (int i = 2; i <= 20; ++i) ASSERT_EQ(inc("a"), i);
  EXPECT_EQ(counts().passivated, 0);
}

TEST_F(EntityRegionTest, ForgetsACrashedEntityAndRespawnsItOnTheNextMessage) {
  start_region();
  EXPECT_EQ(inc("a"), 1);
  EXPECT_EQ(inc("b"), 1);
  expect_spawned("a", 1);
  expect_spawned("b", 1);
  self->send(region, entity_atom::value, std::string{"a"}, caf::make_message(crash_atom::value));
  EXPECT_EQ(expect_exited("a", 1), caf::sec::runtime_error);
  auto c = counts();
  EXPECT_EQ(c.crashed, 1);
  EXPECT_EQ(c.active, 1);
  EXPECT_EQ(inc("a"), 1);  // a fresh entity
  expect_spawned("a", 2);
  EXPECT_EQ(inc("b"), 2);  // the other key kept its entity
  c = counts();
  EXPECT_EQ(c.spawned, 3);
  EXPECT_EQ(c.active, 2);
}

TEST_F(EntityRegionTest, StopsItsEntitiesWhenTheRegionStops) {
  // A region that dies (and is restarted by its supervisor) must not leave
  // orphaned entities behind that nobody can address or passivate (here they
  // end as unreachable once the region drops its handles).
  start_region();
  EXPECT_EQ(inc("a"), 1);
  expect_spawned("a", 1);
  self->send_exit(region, caf::exit_reason::user_shutdown);
  expect_exited("a", 1, 5s);
}

TEST_F(EntityRegionTest, StopsEntitiesWaitingForTheirOwnTimersWhenTheRegionStops) {
  // Without an exit from the region such an entity would live until its
  // timer fires, and the actor system's shutdown would wait for it.
  start_region(1h, 1h, true);
  EXPECT_EQ(inc("a"), 1);
  expect_spawned("a", 1);
  self->send_exit(region, caf::exit_reason::user_shutdown);
  EXPECT_EQ(expect_exited("a", 1, 5s), caf::exit_reason::user_shutdown);
}
