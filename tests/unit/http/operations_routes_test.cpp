// The operations probes (http/routes/operations.cpp) through the real route
// table and edge actor: /ready and /health/detailed answer their documented
// shape — {"status":"not_ready"|"unhealthy","components":{...}} with 503 —
// whenever the health actor gives no report: it is restarting (no actor in
// its slot), gone (a dead handle), or stuck (holds the request unanswered),
// within the route's own bound, before the edge's generic 10 s deadline.
// Credentials on a probe are not resolved (the auth actor is absent here).
#include "http/edge.hpp"
#include "http/routes/routes.hpp"
#include "protocol/registration.hpp"
#include "tests/unit/http/recording_responder.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>
#include "modules/module.hpp"

#include <gtest/gtest.h>

#include <chrono>

using namespace delta;
using namespace delta::http;
namespace json = boost::json;

namespace {

using held_promises = std::vector<caf::typed_response_promise<protocol::health_report>>;

// A health actor that takes the request and never answers it (a stuck
// dependency): the promise stays pending until the actor ends.
protocol::health_actor::behavior_type stuck_health(protocol::health_actor::pointer self,
                                                   std::shared_ptr<held_promises> held) {
  return {[self, held](protocol::check_health_atom) {
    auto promise = self->make_response_promise<protocol::health_report>();
    held->push_back(promise);
    return promise;
  }};
}

class OperationsRoutes : public ::testing::Test {
 protected:
  OperationsRoutes() : sys{configured(cfg)}, self{sys} {
    edge_slot->set(spawn_edge(*self, svc));
  }
  ~OperationsRoutes() override { caf::anon_send_exit(edge_slot->get(), caf::exit_reason::user_shutdown); }

  static caf::actor_system_config& configured(caf::actor_system_config& c) {
    protocol::register_types(c);
    c.set("scheduler.max-threads", 2);
    return c;
  }

  // Sends GET `path` (with a never-seen API key) through the route table and
  // the edge; returns the answer and how long it took.
  std::pair<response, std::chrono::steady_clock::duration> get(const std::string& path) {
    auto m = routes->match("GET", path);
    EXPECT_NE(m.matched, nullptr) << path;
    request req;
    req.method = "GET";
    req.path = path;
    req.request_id = "op-test";
    req.headers = {{"x-api-key", "dk_live_NeverSeenBefore000000000000000000000000000000"}};
    auto out = std::make_shared<test_support::recording_responder>();
    auto start = std::chrono::steady_clock::now();
    make_dispatch(edge_slot)(*m.matched, req, m.params, std::make_shared<pending_reply>(out, req.request_id));
    // The route's own bound is 3 s; the edge's generic deadline is 10 s.
    auto answer = out->first_within(std::chrono::seconds(8));
    EXPECT_TRUE(answer) << path << " unanswered";
    return {answer.value_or(response{0, "{}", {}, {}}), std::chrono::steady_clock::now() - start};
  }

  void expect_documented_failure() {
    auto [ready, ready_took] = get("/ready");
    EXPECT_EQ(ready.status, 503);
    auto r = json::parse(ready.body).as_object();
    EXPECT_EQ(r.at("status"), "not_ready") << ready.body;
    EXPECT_EQ(r.at("components").as_object().at("database").as_object().at("status"), "unhealthy") << ready.body;
    auto [detailed, detailed_took] = get("/health/detailed");
    EXPECT_EQ(detailed.status, 503);
    auto d = json::parse(detailed.body).as_object();
    EXPECT_EQ(d.at("status"), "unhealthy") << detailed.body;
    auto& db = d.at("components").as_object().at("database").as_object();
    EXPECT_EQ(db.at("status"), "unhealthy");
    EXPECT_TRUE(db.contains("message"));
    EXPECT_LT(ready_took, std::chrono::seconds(5));
    EXPECT_LT(detailed_took, std::chrono::seconds(5));
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  services svc;
  protocol::slot_ptr<caf::actor> edge_slot = std::make_shared<protocol::actor_slot<caf::actor>>();
  std::unique_ptr<router> routes = delta::modules::build_router(delta::modules::node_modules());
};

}  // namespace

TEST_F(OperationsRoutes, ProbesAnswerTheirShapeWhileTheHealthActorRestarts) {
  // no actor in the slot: between a crash and the supervisor's restart
  expect_documented_failure();
}

TEST_F(OperationsRoutes, ProbesAnswerTheirShapeWhenTheHealthActorIsGone) {
  auto held = std::make_shared<held_promises>();
  auto health = sys.spawn(stuck_health, held);
  svc.slot(protocol::health_service)->set(health);
  self->send_exit(health, caf::exit_reason::kill);
  self->wait_for(health);
  expect_documented_failure();
}

TEST_F(OperationsRoutes, ProbesAnswerTheirShapeWhenTheHealthActorIsStuck) {
  auto held = std::make_shared<held_promises>();
  auto health = sys.spawn(stuck_health, held);
  svc.slot(protocol::health_service)->set(health);
  expect_documented_failure();
  self->send_exit(health, caf::exit_reason::kill);
}
