// actors/stream/stream_hub.hpp on a real actor system (no I/O): one event
// reaches every matching subscription, unsubscribe and a connection's end
// stop its events, and a subscriber that never drains its bounded send
// queue is closed with 1008 without holding up the others. Sinks are fakes
// with the real send_queue policy; every wait is on a message or a
// condition, bounded by a timeout.
#include "actors/stream/stream_hub.hpp"

#include "http/send_queue.hpp"
#include "protocol/jobs.hpp"
#include "protocol/registration.hpp"
#include "protocol/stream.hpp"

#include <boost/json/parse.hpp>
#include <caf/all.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

using namespace std::chrono_literals;
using namespace delta;
using protocol::stream_event;

namespace {

constexpr auto timeout = 10s;

// A client's connection as the hub sees it. The send queue is the
// transport's policy; a client that never reads leaves it undrained.
class fake_sink : public protocol::stream_sink {
 public:
  fake_sink(bool drains, std::size_t max_messages) : drains_(drains), queue_(max_messages, 1 << 20) {}

  bool send_text(std::string text) override {
    std::lock_guard guard{mutex_};
    ++calls_;
    auto result = queue_.push(text);
    if (result == http::send_queue::push_result::overflow) {
      close_code_ = protocol::close_code::policy;  // what the transport does on overflow
      changed_.notify_all();
      return false;
    }
    if (result == http::send_queue::push_result::closed) return false;
    if (drains_) queue_.pop();
    received_.push_back(boost::json::parse(text));
    changed_.notify_all();
    return true;
  }

  void close(std::uint16_t code, std::string) override {
    std::lock_guard guard{mutex_};
    queue_.close();
    close_code_ = code;
    changed_.notify_all();
  }

  // The first n messages, once they are in.
  std::vector<boost::json::value> wait_for(std::size_t n) {
    std::unique_lock lock{mutex_};
    if (!changed_.wait_for(lock, timeout, [&] { return received_.size() >= n; }))
      ADD_FAILURE() << "only " << received_.size() << " of " << n << " messages arrived";
    return received_;
  }

  std::uint16_t wait_closed() {
    std::unique_lock lock{mutex_};
    changed_.wait_for(lock, timeout, [&] { return close_code_ != 0; });
    return close_code_;
  }

  std::size_t calls() {
    std::lock_guard guard{mutex_};
    return calls_;
  }
  std::vector<boost::json::value> received() {
    std::lock_guard guard{mutex_};
    return received_;
  }

 private:
  bool drains_;
  std::mutex mutex_;
  std::condition_variable changed_;
  http::send_queue queue_;
  std::vector<boost::json::value> received_;
  std::size_t calls_ = 0;
  std::uint16_t close_code_ = 0;
};

using gone_atom = caf::atom_constant<caf::atom("gone")>;

class StreamHubTest : public ::testing::Test {
 protected:
  static caf::actor_system_config& configured(caf::actor_system_config& cfg) {
    cfg.set("scheduler.max-threads", 2);
    protocol::register_types(cfg);
    return cfg;
  }

  StreamHubTest() : sys{configured(cfg)}, self{sys} { hub = stream::spawn_stream_hub(*self.ptr()); }

  ~StreamHubTest() override {
    for (auto& c : connections) caf::anon_send_exit(c, caf::exit_reason::kill);
    caf::anon_send_exit(hub, caf::exit_reason::kill);
  }

  // A connection actor: subscribes on request, tells the test when it is gone.
  caf::actor connection() {
    auto test = caf::actor_cast<caf::actor>(self);
    auto hub_handle = hub;
    auto c = sys.spawn([hub_handle](caf::event_based_actor* me) -> caf::behavior {
      return {
          [me, hub_handle](protocol::stream_subscribe_atom a, protocol::stream_subscription& s) {
            me->send(hub_handle, a, std::move(s));
          },
          [me, hub_handle](protocol::stream_unsubscribe_atom a, const std::string& id) {
            me->send(hub_handle, a, id);
          },
      };
    });
    // Attached before the hub monitors the actor: CAF notifies the latest
    // observer first, so the hub's down_msg is queued before the test hears.
    c->attach_functor([test](const caf::error&) { caf::anon_send(test, gone_atom::value); });
    connections.push_back(c);
    return c;
  }

  void subscribe(const caf::actor& conn, const std::shared_ptr<fake_sink>& sink, std::string id,
                 protocol::stream_filter filter, protocol::stream_subscriber who = {"u-1", false}) {
    caf::anon_send(conn, protocol::stream_subscribe_atom::value,
                   protocol::stream_subscription{std::move(id), std::move(filter), std::move(who), sink});
  }

  void publish(stream_event e) { caf::anon_send(hub, protocol::stream_publish_atom::value, std::move(e)); }

  static stream_event decision(std::string symbol, int n) {
    stream_event e;
    e.channel = "decisions";
    e.symbol = std::move(symbol);
    e.data_json = R"({"n":)" + std::to_string(n) + "}";
    return e;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  caf::actor hub;
  std::vector<caf::actor> connections;
};

boost::json::value json(const char* text) { return boost::json::parse(text); }

}  // namespace

TEST_F(StreamHubTest, OneEventReachesEveryMatchingSubscriptionAndNoOther) {
  auto a = std::make_shared<fake_sink>(true, 100);
  auto b = std::make_shared<fake_sink>(true, 100);
  auto ca = connection();
  auto cb = connection();
  subscribe(ca, a, "s1", {"decisions", "AAPL", "", "", ""});
  subscribe(ca, a, "s2", {"decisions", "", "", "", ""});
  subscribe(cb, b, "s1", {"decisions", "MSFT", "", "", ""});
  a->wait_for(2);
  b->wait_for(1);
  EXPECT_EQ(a->received()[0], json(R"({"type":"subscribed","subscription_id":"s1","channel":"decisions"})"));
  publish(decision("AAPL", 1));
  publish(decision("MSFT", 2));
  auto got_a = a->wait_for(5);
  auto got_b = b->wait_for(2);
  EXPECT_EQ(got_a[2], json(R"({"type":"event","channel":"decisions","subscription_id":"s1","data":{"n":1}})"));
  EXPECT_EQ(got_a[3], json(R"({"type":"event","channel":"decisions","subscription_id":"s2","data":{"n":1}})"));
  EXPECT_EQ(got_a[4], json(R"({"type":"event","channel":"decisions","subscription_id":"s2","data":{"n":2}})"));
  EXPECT_EQ(got_b[1], json(R"({"type":"event","channel":"decisions","subscription_id":"s1","data":{"n":2}})"));
  EXPECT_EQ(got_b.size(), 2u);
}

TEST_F(StreamHubTest, JobEventsReachTheOwnersSubscriptionsAndAdminsOnly) {
  auto owner = std::make_shared<fake_sink>(true, 100);
  auto other = std::make_shared<fake_sink>(true, 100);
  auto admin = std::make_shared<fake_sink>(true, 100);
  subscribe(connection(), owner, "s", {"jobs", "", "", "", "j-1"}, {"u-1", false});
  subscribe(connection(), other, "s", {"jobs", "", "", "", "j-1"}, {"u-2", false});
  subscribe(connection(), admin, "s", {"jobs", "", "", "", "j-1"}, {"u-9", true});
  owner->wait_for(1);
  other->wait_for(1);
  admin->wait_for(1);
  // The jobs engine sends protocol::job_event as it is (actors/jobs/job_events.cpp).
  caf::anon_send(hub, protocol::job_event{"j-1", "backtest", "u-1", "running", 50, caf::none, caf::none});
  auto expected = json(R"({"type":"event","channel":"jobs","subscription_id":"s",
                           "data":{"job_id":"j-1","kind":"backtest","status":"running","progress":50}})");
  EXPECT_EQ(owner->wait_for(2)[1], expected);
  EXPECT_EQ(admin->wait_for(2)[1], expected);
  // Events are delivered in order: once a later one reached `owner`, the
  // first one has been past `other` too.
  publish(decision("AAPL", 1));
  caf::anon_send(hub, protocol::job_event{"j-1", "backtest", "u-1", "succeeded", 100, std::string{"{}"}, caf::none});
  owner->wait_for(3);
  EXPECT_EQ(other->received().size(), 1u) << "u-2 saw u-1's job";
}

TEST_F(StreamHubTest, UnsubscribeIsAnsweredAndStopsTheEvents) {
  auto sink = std::make_shared<fake_sink>(true, 100);
  auto c = connection();
  subscribe(c, sink, "s1", {"decisions", "", "", "", ""});
  subscribe(c, sink, "s2", {"decisions", "", "", "", ""});
  sink->wait_for(2);
  caf::anon_send(c, protocol::stream_unsubscribe_atom::value, std::string{"s1"});
  EXPECT_EQ(sink->wait_for(3)[2], json(R"({"type":"unsubscribed","subscription_id":"s1"})"));
  publish(decision("AAPL", 1));
  auto got = sink->wait_for(4);
  EXPECT_EQ(got[3].at("subscription_id").as_string(), "s2");
  EXPECT_EQ(got.size(), 4u);
}

TEST_F(StreamHubTest, ADuplicateSubscriptionIdIsAnErrorNotASecondSubscription) {
  auto sink = std::make_shared<fake_sink>(true, 100);
  auto c = connection();
  subscribe(c, sink, "s1", {"decisions", "", "", "", ""});
  subscribe(c, sink, "s1", {"decisions", "AAPL", "", "", ""});
  auto got = sink->wait_for(2);
  EXPECT_EQ(got[1].at("type").as_string(), "error");
  publish(decision("AAPL", 1));
  EXPECT_EQ(sink->wait_for(3).size(), 3u);
}

TEST_F(StreamHubTest, AConnectionThatEndsLosesItsSubscriptions) {
  auto gone = std::make_shared<fake_sink>(true, 100);
  auto stays = std::make_shared<fake_sink>(true, 100);
  auto c = connection();
  subscribe(c, gone, "s", {"decisions", "", "", "", ""});
  subscribe(connection(), stays, "s", {"decisions", "", "", "", ""});
  gone->wait_for(1);
  stays->wait_for(1);
  caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  self->receive([](gone_atom) {}, caf::after(timeout) >> [] { FAIL() << "the connection did not end"; });
  publish(decision("AAPL", 1));
  stays->wait_for(2);
  EXPECT_EQ(gone->calls(), 1u) << "an event reached a connection that had ended";
}

TEST_F(StreamHubTest, ASubscriberThatNeverDrainsIsClosedWith1008AndTheOthersGetEverything) {
  constexpr std::size_t capacity = 8;
  constexpr int events = 50;
  auto slow = std::make_shared<fake_sink>(false, capacity);  // reads nothing
  auto fast = std::make_shared<fake_sink>(true, capacity);
  subscribe(connection(), slow, "s", {"decisions", "", "", "", ""});
  subscribe(connection(), fast, "s", {"decisions", "", "", "", ""});
  slow->wait_for(1);
  fast->wait_for(1);
  for (int i = 0; i < events; ++i) publish(decision("AAPL", i));
  auto got = fast->wait_for(1 + events);
  EXPECT_EQ(got.back().at("data").at("n").as_int64(), events - 1);
  EXPECT_EQ(slow->wait_closed(), protocol::close_code::policy);
  // The queue took `capacity` messages (the subscribed answer and the first
  // events); the next one overflowed, and the hub never offered it another.
  EXPECT_EQ(slow->received().size(), capacity);
  EXPECT_EQ(slow->calls(), capacity + 1);
}

TEST_F(StreamHubTest, StreamTypesCrossNodes) {
  stream_event e{"jobs", "u-1", "AAPL", "m", "t", "j-1", R"({"x":1})"};
  auto msg = caf::make_message(protocol::stream_publish_atom::value, e);
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  ASSERT_FALSE(sink(msg)) << "stream_event is not registered";
  caf::message out;
  caf::binary_deserializer source{sys, buf};
  ASSERT_FALSE(source(out));
  ASSERT_TRUE(out.match_element<stream_event>(1));
  auto& back = out.get_as<stream_event>(1);
  EXPECT_EQ(std::tie(back.channel, back.owner_user_id, back.symbol, back.model, back.event_type, back.job_id,
                     back.data_json),
            std::tie(e.channel, e.owner_user_id, e.symbol, e.model, e.event_type, e.job_id, e.data_json));
  protocol::stream_filter f{"decisions", "AAPL", "m", "t", ""};
  buf.clear();
  caf::binary_serializer fsink{sys, buf};
  ASSERT_FALSE(fsink(caf::make_message(f))) << "stream_filter is not registered";
}
