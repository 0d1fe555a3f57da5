// http/send_queue.hpp: the bounded per-connection send queue.
#include "http/send_queue.hpp"

#include <gtest/gtest.h>

using delta::http::send_queue;
using result = send_queue::push_result;

TEST(SendQueue, TheFirstMessageStartsTheWriterAndLaterOnesWait) {
  send_queue q{4, 1000};
  EXPECT_EQ(q.push("a"), result::first);
  EXPECT_EQ(q.push("b"), result::queued);
  EXPECT_EQ(q.front(), "a");
  EXPECT_TRUE(q.pop());
  EXPECT_EQ(q.front(), "b");
  EXPECT_FALSE(q.pop());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.push("c"), result::first) << "empty again: the writer must be restarted";
}

TEST(SendQueue, OverflowByCountClosesTheQueueAndKeepsOnlyTheMessageInFlight) {
  send_queue q{3, 1000};
  q.push("1");
  q.push("2");
  q.push("3");
  EXPECT_EQ(q.push("4"), result::overflow);
  EXPECT_TRUE(q.closed());
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.front(), "1");
  EXPECT_EQ(q.bytes(), 1u);
  EXPECT_EQ(q.push("5"), result::closed);
}

TEST(SendQueue, OverflowByBytesCountsTheMessageBeingWritten) {
  send_queue q{100, 10};
  q.push(std::string(6, 'x'));  // in flight
  EXPECT_EQ(q.bytes(), 6u);
  EXPECT_EQ(q.push(std::string(4, 'y')), result::queued);
  EXPECT_EQ(q.bytes(), 10u);
  EXPECT_EQ(q.push("z"), result::overflow);
}

TEST(SendQueue, AMessageLargerThanTheByteBoundIsAnOverflow) {
  send_queue q{100, 10};
  EXPECT_EQ(q.push(std::string(11, 'x')), result::overflow);
  EXPECT_TRUE(q.empty());
}

TEST(SendQueue, WrittenMessagesFreeTheirRoom) {
  send_queue q{2, 1000};
  q.push("a");
  q.push("b");
  q.pop();
  EXPECT_EQ(q.push("c"), result::queued);
  EXPECT_FALSE(q.closed());
}

TEST(SendQueue, SealRefusesMoreButKeepsWhatIsQueued) {
  send_queue q{10, 1000};
  q.push("last words");
  q.push("bye");
  q.seal();
  EXPECT_EQ(q.push("more"), result::closed);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.front(), "last words");
}

TEST(SendQueue, TheFrontStaysValidWhileOthersArePushed) {
  send_queue q{10000, 1 << 20};
  q.push("front");
  const std::string* in_flight = &q.front();
  for (int i = 0; i < 5000; ++i) q.push("m");
  EXPECT_EQ(in_flight, &q.front());
  EXPECT_EQ(*in_flight, "front");
}
