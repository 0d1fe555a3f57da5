// actors/runtime/supervisor.hpp with a real actor system (no I/O): restart
// policies, restart intensity and escalation, and children dying with their
// supervisor. Every wait is on a message, bounded by a timeout.
//
// How the tests know what the supervisor did without waiting on the clock: each child's
// start function (run by the supervisor) tells the test "started <n>" and
// attaches an exit observer to the child *before* the supervisor monitors it.
// CAF notifies the most recently attached observer first, so the
// supervisor's down_msg is in its mailbox before the test hears "exited";
// a request to the supervisor after that is answered only once the
// supervisor has handled the down_msg (and restarted the child, or not).
#include "actors/runtime/supervisor.hpp"

#include "protocol/actor_slot.hpp"
#include "protocol/errors.hpp"
#include "telemetry/metrics_registry.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>

using namespace delta::runtime;
using namespace std::chrono_literals;
using delta::protocol::actor_slot;
using delta::protocol::errc;

namespace {

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using crash_atom = caf::atom_constant<caf::atom("crash")>;
using fail_atom = caf::atom_constant<caf::atom("fail")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using started_atom = caf::atom_constant<caf::atom("started")>;
using exited_atom = caf::atom_constant<caf::atom("exited")>;

constexpr auto timeout = 10s;

// ping -> its generation; crash -> throws; fail -> quits with an error;
// stop -> quits normally.
caf::behavior worker(caf::event_based_actor* self, std::string name, int generation) {
  return {
      [=](ping_atom) { return generation; },
      [=](crash_atom) -> int { throw std::runtime_error(name + " crashed on purpose"); },
      [=](fail_atom) { self->quit(delta::protocol::make_error(errc::unavailable, name)); },
      [=](stop_atom) { self->quit(); },
  };
}

// One supervised child as the test sees it.
struct child_probe {
  std::string name;
  std::shared_ptr<actor_slot<caf::actor>> slot = std::make_shared<actor_slot<caf::actor>>();
  std::shared_ptr<std::atomic<int>> starts = std::make_shared<std::atomic<int>>(0);
};

class SupervisorTest : public ::testing::Test {
 protected:
  static caf::actor_system_config& configured(caf::actor_system_config& cfg) {
    cfg.set("scheduler.max-threads", 2);
    return cfg;
  }

  SupervisorTest() : sys{configured(cfg)}, self{sys} {}

  ~SupervisorTest() override {
    // Whatever a test left running, stop it so the actor system can shut down.
    std::lock_guard guard{spawned_mutex};
    for (auto& a : spawned) caf::anon_send_exit(a, caf::exit_reason::kill);
  }

  child_spec child(child_probe& probe, restart_policy policy) {
    auto observer = caf::actor_cast<caf::actor>(self);
    return {probe.name, policy,
            [this, observer, name = probe.name, slot = probe.slot,
             starts = probe.starts](caf::local_actor& sup) {
              int generation = ++*starts;
              auto handle = sup.spawn(worker, name, generation);
              handle->attach_functor([observer, name, generation](const caf::error& reason) {
                caf::anon_send(observer, exited_atom::value, name, generation, reason);
              });
              remember(handle);
              slot->set(handle);
              caf::anon_send(observer, started_atom::value, name, generation);
              return handle;
            }};
  }

  caf::actor supervise(supervisor_spec spec) {
    auto sup = spawn_supervisor(sys, std::move(spec));
    remember(sup);
    return sup;
  }

  void remember(const caf::actor& a) {
    std::lock_guard guard{spawned_mutex};
    spawned.push_back(a);
  }

  // Waits for "<name> started <generation>".
  void expect_started(const std::string& name, int generation) {
    bool seen = false;
    self->receive(
        [&](started_atom, const std::string& n, int g) {
          EXPECT_EQ(n, name);
          EXPECT_EQ(g, generation) << name;
          seen = true;
        },
        caf::after(timeout) >> [&] {});
    EXPECT_TRUE(seen) << name << " was not started (generation " << generation << ")";
  }

  // Waits for "<name> generation <generation> exited" and returns the reason.
  caf::error expect_exited(const std::string& name, int generation) {
    caf::error out;
    bool seen = false;
    self->receive(
        [&](exited_atom, const std::string& n, int g, const caf::error& reason) {
          EXPECT_EQ(n, name);
          EXPECT_EQ(g, generation) << name;
          out = reason;
          seen = true;
        },
        caf::after(timeout) >> [&] {});
    EXPECT_TRUE(seen) << name << " generation " << generation << " did not exit";
    return out;
  }

  // Returns once the supervisor has handled every message sent to it before.
  void sync_with(const caf::actor& sup) {
    bool answered = false;
    self->request(sup, timeout, caf::get_atom::value)
        .receive([&] { answered = true; },
                 [&](const caf::error& err) { ADD_FAILURE() << sys.render(err); });
    EXPECT_TRUE(answered);
  }

  int ping(const child_probe& probe) {
    int generation = -1;
    self->request(probe.slot->get(), timeout, ping_atom::value)
        .receive([&](int g) { generation = g; },
                 [&](const caf::error& err) { ADD_FAILURE() << sys.render(err); });
    return generation;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  std::mutex spawned_mutex;
  std::vector<caf::actor> spawned;
};

std::uint64_t restarts_counted(const std::string& supervisor, const std::string& child) {
  return delta::telemetry::global_metrics()
      .counter_family("delta_actor_restarts_total", "Actor restarts by their supervisors")
      .with({{"supervisor", supervisor}, {"child", child}})
      .value();
}

}  // namespace

TEST_F(SupervisorTest, StartsItsChildrenInOrder) {
  child_probe a{"a"}, b{"b"};
  supervise({"sup-start", {child(a, restart_policy::permanent), child(b, restart_policy::permanent)}});
  expect_started("a", 1);
  expect_started("b", 1);
  EXPECT_EQ(ping(a), 1);
  EXPECT_EQ(ping(b), 1);
}

TEST_F(SupervisorTest, RestartsAPermanentChildThatThrows) {
  child_probe w{"worker"};
  auto restarts_before = restarts_counted("sup-throw", "worker");
  auto sup = supervise({"sup-throw", {child(w, restart_policy::permanent)}});
  expect_started("worker", 1);
  auto first = w.slot->get();
  caf::anon_send(first, crash_atom::value);
  EXPECT_EQ(expect_exited("worker", 1), caf::sec::runtime_error);
  expect_started("worker", 2);
  EXPECT_NE(w.slot->get(), first);
  EXPECT_EQ(ping(w), 2);
  EXPECT_EQ(restarts_counted("sup-throw", "worker"), restarts_before + 1);
  sync_with(sup);  // still alive
}

TEST_F(SupervisorTest, RestartsAPermanentChildThatQuitsWithAnError) {
  child_probe w{"worker"};
  supervise({"sup-fail", {child(w, restart_policy::permanent)}});
  expect_started("worker", 1);
  caf::anon_send(w.slot->get(), fail_atom::value);
  EXPECT_EQ(delta::protocol::code_of(expect_exited("worker", 1)), errc::unavailable);
  expect_started("worker", 2);
  EXPECT_EQ(ping(w), 2);
}

TEST_F(SupervisorTest, RestartsAPermanentChildEvenAfterANormalExit) {
  child_probe w{"worker"};
  supervise({"sup-perm-normal", {child(w, restart_policy::permanent)}});
  expect_started("worker", 1);
  caf::anon_send(w.slot->get(), stop_atom::value);
  EXPECT_FALSE(expect_exited("worker", 1));
  expect_started("worker", 2);
  EXPECT_EQ(ping(w), 2);
}

TEST_F(SupervisorTest, RestartsOnlyTheChildThatFailed) {
  child_probe a{"a"}, b{"b"};
  auto sup = supervise(
      {"sup-one-for-one", {child(a, restart_policy::permanent), child(b, restart_policy::permanent)}});
  expect_started("a", 1);
  expect_started("b", 1);
  caf::anon_send(a.slot->get(), crash_atom::value);
  expect_exited("a", 1);
  expect_started("a", 2);
  sync_with(sup);
  EXPECT_EQ(b.starts->load(), 1);
  EXPECT_EQ(ping(b), 1);
}

TEST_F(SupervisorTest, DoesNotRestartATransientChildThatExitsNormally) {
  child_probe w{"worker"};
  auto sup = supervise({"sup-transient-normal", {child(w, restart_policy::transient)}});
  expect_started("worker", 1);
  caf::anon_send(w.slot->get(), stop_atom::value);
  EXPECT_FALSE(expect_exited("worker", 1));
  sync_with(sup);
  EXPECT_EQ(w.starts->load(), 1);
}

TEST_F(SupervisorTest, RestartsATransientChildThatFails) {
  child_probe w{"worker"};
  supervise({"sup-transient-fail", {child(w, restart_policy::transient)}});
  expect_started("worker", 1);
  caf::anon_send(w.slot->get(), crash_atom::value);
  expect_exited("worker", 1);
  expect_started("worker", 2);
  EXPECT_EQ(ping(w), 2);
}

TEST_F(SupervisorTest, NeverRestartsATemporaryChild) {
  child_probe crashes{"crashes"}, stops{"stops"};
  auto sup = supervise({"sup-temporary",
                        {child(crashes, restart_policy::temporary),
                         child(stops, restart_policy::temporary)}});
  expect_started("crashes", 1);
  expect_started("stops", 1);
  caf::anon_send(crashes.slot->get(), crash_atom::value);
  expect_exited("crashes", 1);
  caf::anon_send(stops.slot->get(), stop_atom::value);
  expect_exited("stops", 1);
  sync_with(sup);
  EXPECT_EQ(crashes.starts->load(), 1);
  EXPECT_EQ(stops.starts->load(), 1);
}

TEST_F(SupervisorTest, EscalatesWithTheChildsErrorWhenRestartsComeTooFast) {
  child_probe w{"worker"};
  auto sup = supervise({"sup-intensity", {child(w, restart_policy::permanent)}, 2, 10s});
  self->monitor(sup);
  expect_started("worker", 1);
  for (int generation = 1; generation <= 2; ++generation) {
    caf::anon_send(w.slot->get(), crash_atom::value);
    expect_exited("worker", generation);
    expect_started("worker", generation + 1);
  }
  // The third failure within 10 s is one too many.
  caf::anon_send(w.slot->get(), fail_atom::value);
  expect_exited("worker", 3);
  bool down = false;
  self->receive(
      [&](const caf::down_msg& msg) {
        EXPECT_EQ(msg.source, sup.address());
        EXPECT_EQ(delta::protocol::code_of(msg.reason), errc::unavailable)
            << sys.render(msg.reason);
        down = true;
      },
      caf::after(timeout) >> [&] {});
  EXPECT_TRUE(down) << "the supervisor did not give up";
  EXPECT_EQ(w.starts->load(), 3);
}

TEST_F(SupervisorTest, KillingTheSupervisorKillsItsChildren) {
  child_probe a{"a"}, b{"b"};
  auto sup = supervise(
      {"sup-kill", {child(a, restart_policy::permanent), child(b, restart_policy::permanent)}});
  expect_started("a", 1);
  expect_started("b", 1);
  self->monitor(sup);
  self->send_exit(sup, caf::exit_reason::kill);
  bool a_exited = false, b_exited = false, sup_down = false;
  for (int i = 0; i < 3; ++i)
    self->receive(
        [&](exited_atom, const std::string& name, int, const caf::error&) {
          (name == "a" ? a_exited : b_exited) = true;
        },
        [&](const caf::down_msg& msg) {
          EXPECT_EQ(msg.source, sup.address());
          sup_down = true;
        },
        caf::after(timeout) >> [&] {});
  EXPECT_TRUE(a_exited);
  EXPECT_TRUE(b_exited);
  EXPECT_TRUE(sup_down);
  EXPECT_EQ(a.starts->load(), 1);
  EXPECT_EQ(b.starts->load(), 1);
}

TEST_F(SupervisorTest, RestartsANestedSupervisorThatGaveUp) {
  child_probe w{"worker"};
  // The inner supervisor allows no restart: the worker's first crash makes it
  // give up, and the outer supervisor starts it (and so the worker) again.
  supervisor_spec inner{"sup-inner", {child(w, restart_policy::permanent)}, 0, 10s};
  auto outer = supervise({"sup-outer", {supervisor_child(inner)}});
  expect_started("worker", 1);
  caf::anon_send(w.slot->get(), crash_atom::value);
  expect_exited("worker", 1);
  expect_started("worker", 2);
  EXPECT_EQ(ping(w), 2);
  sync_with(outer);
}
