#include "cmd/deltactl/top_frame.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <sstream>

using namespace delta::ctl;
namespace json = boost::json;

namespace {

json::value actor(const char* path, double per_second, int mailbox) {
  return json::object{{"path", path},
                      {"name", path},
                      {"kind", "actor"},
                      {"status", "running"},
                      {"messages_total", 100},
                      {"messages_per_second", per_second},
                      {"mailbox_depth", mailbox},
                      {"mailbox_depth_max", mailbox},
                      {"processing_us_p50", nullptr},
                      {"processing_us_p99", nullptr},
                      {"restarts_total", 0},
                      {"last_restart_at", nullptr}};
}

json::value node(const char* id, json::array actors) {
  return json::object{{"node_id", id}, {"sampled_at", "2026-11-22T10:00:00Z"}, {"actors", std::move(actors)}};
}

std::vector<std::string> order_of(const std::vector<actor_row>& rows) {
  std::vector<std::string> out;
  for (auto& r : rows) out.push_back(r.node_id + ":" + std::string(r.actor.at("path").as_string()));
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

const json::value two_nodes = json::array{
    node("n2", {actor("root/a", 5, 0), actor("root/b", 50, 1)}),
    node("n1", {actor("root/a", 5, 9), actor("root/c", 0.5, 3)}),
};

}  // namespace

TEST(DeltactlTopFrame, PutsTheBusiestActorsOfEveryNodeFirst) {
  EXPECT_EQ(order_of(actor_rows(two_nodes, top_order::messages_per_second)),
            (std::vector<std::string>{"n2:root/b", "n1:root/a", "n2:root/a", "n1:root/c"}));
}

TEST(DeltactlTopFrame, SortsByMailboxDepthWhenAsked) {
  EXPECT_EQ(order_of(actor_rows(two_nodes, top_order::mailbox_depth)),
            (std::vector<std::string>{"n1:root/a", "n1:root/c", "n2:root/b", "n2:root/a"}));
}

TEST(DeltactlTopFrame, ShowsTheNodeColumnOnlyForSeveralNodes) {
  auto many = lines(top_frame(two_nodes, top_order::messages_per_second));
  ASSERT_EQ(many.size(), 2u + 1u + 4u);
  EXPECT_EQ(many[0], "node n2  sampled_at 2026-11-22T10:00:00Z  actors 2");
  EXPECT_EQ(many[2].substr(0, 4), "NODE");
  EXPECT_EQ(many[3].substr(0, 2), "n2");

  auto one = lines(top_frame(json::array{node("n1", {actor("root", 1, 0)})}, top_order::messages_per_second));
  ASSERT_EQ(one.size(), 3u);
  EXPECT_EQ(one[1].substr(0, 5), "ACTOR");
  EXPECT_NE(one[2].find("root   actor  running"), std::string::npos) << one[2];
}

TEST(DeltactlTopFrame, ShowsMissingFiguresAsDashesAndARegionsLiveEntities) {
  auto region = actor("root/ratelimit/buckets_key", 2, 0).as_object();
  region["kind"] = "region";
  region["entities"] = json::object{{"live", 17}, {"spawned_total", 20}, {"passivated_total", 3}, {"top", json::array{}}};
  auto frame = lines(top_frame(json::array{node("n1", {region})}, top_order::messages_per_second));
  ASSERT_EQ(frame.size(), 3u);
  EXPECT_NE(frame[2].find("  -  "), std::string::npos) << frame[2];  // processing_us_* null
  EXPECT_EQ(frame[2].substr(frame[2].size() - 2), "17");
  EXPECT_TRUE(actor_rows(json::parse(R"([{"node_id":"n","actors":[1,"x"]}, 5])"), top_order::mailbox_depth).empty());
}
