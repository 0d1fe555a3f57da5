// actors/runtime/commit_batcher.hpp: which items a group commit takes, and when.
#include "actors/runtime/commit_batcher.hpp"

#include <gtest/gtest.h>

using delta::runtime::commit_batcher;

TEST(CommitBatcher, ALoneItemCommitsAtOnce) {
  commit_batcher<int> b{512, 2};
  b.push(7);
  EXPECT_EQ(b.next(), std::vector<int>{7});
  EXPECT_EQ(b.in_flight(), 1);
}

TEST(CommitBatcher, ItemsQueuedWhileCommitsRunShareTheNextCommitInOrder) {
  commit_batcher<int> b{512, 1};
  b.push(1);
  ASSERT_EQ(b.next(), std::vector<int>{1});
  for (int i = 2; i <= 5; ++i) b.push(i);
  EXPECT_TRUE(b.next().empty()) << "one commit may run at a time";
  b.finished();
  EXPECT_EQ(b.next(), (std::vector<int>{2, 3, 4, 5}));
}

TEST(CommitBatcher, ABatchHoldsAtMostBatchMaxItems) {
  commit_batcher<int> b{3, 4};
  for (int i = 0; i < 7; ++i) b.push(i);
  EXPECT_EQ(b.next(), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(b.next(), (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(b.next(), std::vector<int>{6});
  EXPECT_EQ(b.in_flight(), 3);
  EXPECT_EQ(b.queued(), 0u);
}

TEST(CommitBatcher, NothingQueuedGivesAnEmptyBatchThatIsNotInFlight) {
  commit_batcher<int> b{8, 2};
  EXPECT_TRUE(b.next().empty());
  EXPECT_EQ(b.in_flight(), 0);
}
