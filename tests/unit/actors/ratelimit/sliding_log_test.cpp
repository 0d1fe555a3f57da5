// actors/ratelimit/sliding_log.hpp: the exact hourly quota. An entry at time
// t counts while now < t + window; times are rounded up to 1 ms, so an entry
// may leave the window up to 1 ms late, never early. Checked on fixed
// boundaries and, against a brute-force reference, on randomized sequences.
// Every time is an explicit time_point: no real clock.
#include "actors/ratelimit/sliding_log.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

using namespace delta::ratelimit;
using namespace std::chrono_literals;

namespace {

const clock::time_point t0 = clock::time_point{} + 1000h;  // a whole millisecond

limit_state take(sliding_log& log, clock::time_point now, int cost = 1) {
  auto s = log.check(now, cost);
  if (s.allowed) log.commit(now, cost);
  return s;
}

std::int64_t ceil_ms(clock::time_point t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return (ns + 999'999) / 1'000'000;
}

}  // namespace

TEST(SlidingLog, AdmitsTheLimitSpreadOverTheHourAndRejectsTheNextAnywhereInsideIt) {
  sliding_log log{100, 1h};
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(take(log, t0 + i * 30s).allowed) << "request " << i;
  for (auto at : {t0 + 49min + 31s, t0 + 50min, t0 + 59min, t0 + 59min + 59s + 999ms,
                  t0 + 1h - 1ns}) {
    auto s = take(log, at);
    EXPECT_FALSE(s.allowed) << (at - t0).count() << " ns after the first";
    EXPECT_EQ(s.remaining, 0);
  }
  EXPECT_EQ(log.used(), 100);
}

TEST(SlidingLog, AdmitsAgainExactlyWhenTheOldestEntryLeavesTheWindow) {
  sliding_log log{100, 1h};
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(take(log, t0 + i * 30s).allowed);
  EXPECT_FALSE(take(log, t0 + 1h - 1ns).allowed);
  EXPECT_TRUE(take(log, t0 + 1h).allowed);  // the entry at t0 no longer counts
  auto next = take(log, t0 + 1h);
  EXPECT_FALSE(next.allowed);
  EXPECT_EQ(next.retry_after, 30s);  // the entry at t0 + 30 s is the next to go
  EXPECT_FALSE(take(log, t0 + 1h + 30s - 1ms).allowed);
  EXPECT_TRUE(take(log, t0 + 1h + 30s).allowed);
}

TEST(SlidingLog, AnEntryOffTheMillisecondLeavesAtMostOneMillisecondLateNeverEarly) {
  sliding_log log{1, 1h};
  auto t = t0 + 300us;  // counted as t0 + 1 ms
  ASSERT_TRUE(take(log, t).allowed);
  EXPECT_FALSE(log.check(t + 1h - 1ns).allowed);  // never early
  EXPECT_FALSE(log.check(t + 1h).allowed);        // rounded up: still counted here
  EXPECT_FALSE(log.check(t0 + 1ms + 1h - 1ns).allowed);
  EXPECT_TRUE(log.check(t0 + 1ms + 1h).allowed);  // 0.7 ms late, less than 1 ms
}

TEST(SlidingLog, RetryAfterPointsToWhenEnoughEntriesExpire) {
  sliding_log log{3, 1h};
  take(log, t0);
  take(log, t0 + 10s);
  take(log, t0 + 20s);
  auto one = log.check(t0 + 30s, 1);
  ASSERT_FALSE(one.allowed);
  EXPECT_EQ(one.retry_after, 1h - 30s);  // the entry at t0 leaves
  auto two = log.check(t0 + 30s, 2);
  ASSERT_FALSE(two.allowed);
  EXPECT_EQ(two.retry_after, 1h + 10s - 30s);  // the entries at t0 and t0 + 10 s leave
  auto three = log.check(t0 + 30s, 3);
  ASSERT_FALSE(three.allowed);
  EXPECT_EQ(three.retry_after, 1h + 20s - 30s);
  EXPECT_TRUE(log.check(t0 + 1h + 20s, 3).allowed);
  EXPECT_FALSE(log.check(t0 + 1h + 20s, 4).allowed);  // more than the limit: never
}

TEST(SlidingLog, RetryAfterOfARequestLargerThanTheLimitIsTheWindow) {
  sliding_log log{3, 1h};
  auto s = log.check(t0, 4);
  EXPECT_FALSE(s.allowed);
  EXPECT_EQ(s.retry_after, 1h);
}

TEST(SlidingLog, KeepsOneEntryPerMillisecondTick) {
  sliding_log log{10000, 1h};
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(take(log, t0).allowed);
  EXPECT_EQ(log.entries(), 1u);
  EXPECT_EQ(log.used(), 1000);
  // t0 + 0.1 ms ... t0 + 1 ms all round up to the tick t0 + 1 ms.
  for (auto at : {t0 + 100us, t0 + 500us, t0 + 900us, t0 + 1ms}) take(log, at);
  EXPECT_EQ(log.entries(), 2u);
  take(log, t0 + 1ms + 10us);
  EXPECT_EQ(log.entries(), 3u);
  EXPECT_EQ(log.used(), 1005);
}

TEST(SlidingLog, CostAboveOneCountsThatManyInOneEntry) {
  sliding_log log{10, 1h};
  auto s = take(log, t0, 4);
  ASSERT_TRUE(s.allowed);
  EXPECT_EQ(s.remaining, 6);
  EXPECT_EQ(log.entries(), 1u);
  EXPECT_EQ(log.used(), 4);
  EXPECT_TRUE(take(log, t0 + 1s, 6).allowed);
  EXPECT_FALSE(take(log, t0 + 2s, 1).allowed);
  EXPECT_TRUE(take(log, t0 + 1h, 4).allowed);  // the first entry's four came back
  EXPECT_FALSE(take(log, t0 + 1h, 1).allowed);
}

TEST(SlidingLog, ComesToRestWhenEveryEntryHasLeftTheWindow) {
  sliding_log log{5, 1h};
  EXPECT_TRUE(log.at_rest(t0));
  take(log, t0);
  take(log, t0 + 10min);
  EXPECT_FALSE(log.at_rest(t0 + 1h));
  EXPECT_EQ(log.entries(), 1u);
  EXPECT_TRUE(log.at_rest(t0 + 1h + 10min));
  EXPECT_EQ(log.entries(), 0u);
  EXPECT_EQ(log.used(), 0);
}

TEST(SlidingLog, ResetAfterIsWhenTheNewestEntryLeaves) {
  sliding_log log{5, 1h};
  EXPECT_EQ(log.check(t0).reset_after, 1h);  // empty: this request would reset in an hour
  take(log, t0);
  take(log, t0 + 10min);
  EXPECT_EQ(log.check(t0 + 20min).reset_after, 1h);  // counting this request at t0 + 20 min
  for (int i = 0; i < 3; ++i) take(log, t0 + 20min);
  auto rejected = log.check(t0 + 30min);
  ASSERT_FALSE(rejected.allowed);
  EXPECT_EQ(rejected.reset_after, 50min);
}

TEST(SlidingLog, LoweringTheLimitKeepsTheEntriesAndRejectsUntilEnoughExpire) {
  sliding_log log{10, 1h};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(take(log, t0 + i * 1s).allowed);
  log.set_limit(5);
  EXPECT_EQ(log.limit(), 5);
  auto s = log.check(t0 + 10s);
  ASSERT_FALSE(s.allowed);
  EXPECT_EQ(s.limit, 5);
  EXPECT_EQ(s.remaining, 0);
  EXPECT_EQ(s.retry_after, 1h - 5s);  // six entries (t0 .. t0 + 5 s) must leave
  EXPECT_FALSE(log.check(t0 + 1h + 5s - 1ms).allowed);
  EXPECT_TRUE(log.check(t0 + 1h + 5s).allowed);
}

TEST(SlidingLog, RaisingTheLimitGivesOnlyTheDifference) {
  sliding_log log{10, 1h};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(take(log, t0 + i * 1s).allowed);
  log.set_limit(15);
  for (int i = 0; i < 5; ++i) {
    auto s = take(log, t0 + 20s);
    ASSERT_TRUE(s.allowed) << "request " << i;
    EXPECT_EQ(s.remaining, 4 - i);
    EXPECT_EQ(s.limit, 15);
  }
  EXPECT_FALSE(take(log, t0 + 20s).allowed);
}

namespace {

struct admitted_entry {
  clock::time_point at;
  int cost;
};

// A random monotonic sequence of `n` requests: mostly random gaps from
// nanoseconds to minutes, and often a time aimed within +-1 ms of the moment
// the oldest admitted entry leaves the window (the boundary that matters).
// Compares every decision with a brute-force count over the admitted list.
void run_randomized(std::uint64_t seed, std::int64_t limit, clock::duration window,
                    clock::duration max_gap, int max_cost, int n) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng{seed};
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>{lo, hi}(rng);
  };
  sliding_log log{limit, window};
  std::vector<admitted_entry> admitted;
  std::size_t oldest = 0;  // first admitted entry that may still be in the wide window
  auto now = t0 + std::chrono::nanoseconds(uniform(0, 999'999));
  int allowed = 0, rejected = 0, boundary_hits = 0;

  for (int i = 0; i < n; ++i) {
    auto kind = uniform(0, 9);
    clock::time_point next = now;
    if (kind <= 3 && oldest < admitted.size()) {
      auto target = admitted[oldest].at + window + std::chrono::nanoseconds(uniform(-1'000'000, 1'000'000));
      if (target >= now) {
        next = target;
        ++boundary_hits;
      }
    } else if (kind <= 5) {
      next = now + std::chrono::nanoseconds(uniform(0, 2'000'000));  // same or next ms
    } else {
      next = now + std::chrono::nanoseconds(uniform(0, max_gap.count()));
    }
    now = next;
    int cost = static_cast<int>(uniform(1, max_cost));

    while (oldest < admitted.size() && admitted[oldest].at + window + 1ms <= now) ++oldest;
    std::int64_t exact = 0, wide = 0;  // in (now - window, now] and (now - window - 1 ms, now]
    std::set<std::int64_t> ticks;
    for (auto j = oldest; j < admitted.size(); ++j) {
      wide += admitted[j].cost;
      ticks.insert(ceil_ms(admitted[j].at));
      if (now < admitted[j].at + window) exact += admitted[j].cost;
    }

    auto probe = log;  // for looking into the future without touching the log
    auto s = log.check(now, cost);
    ASSERT_GE(log.used(), exact) << "request " << i << ": an entry left the window early";
    ASSERT_LE(log.used(), wide) << "request " << i << ": an entry stayed more than 1 ms late";
    ASSERT_LE(log.entries(), ticks.size()) << "request " << i;
    if (s.allowed) {
      ASSERT_LE(exact + cost, limit) << "request " << i << " admitted over the limit";
      ASSERT_EQ(s.remaining, limit - log.used() - cost) << "request " << i;
      log.commit(now, cost);
      admitted.push_back({now, cost});
      ++allowed;
    } else {
      ASSERT_GT(wide + cost, limit) << "request " << i << " rejected more than 1 ms late";
      ASSERT_EQ(s.remaining, std::max<std::int64_t>(0, limit - log.used()));
      ASSERT_GT(s.retry_after, clock::duration::zero()) << "request " << i;
      if (cost <= limit) {
        auto later = probe;
        EXPECT_TRUE(later.check(now + s.retry_after, cost).allowed)
            << "request " << i << ": still rejected after retry_after";
        if (s.retry_after > 1ms) {
          auto earlier = probe;
          EXPECT_FALSE(earlier.check(now + s.retry_after - 1ms, cost).allowed)
              << "request " << i << ": retry_after is later than needed";
        }
      }
      ++rejected;
    }
  }

  // The reference's own check of the whole run: no window of `window`
  // length, anywhere, holds more than `limit`.
  std::size_t first = 0;
  std::int64_t in_window = 0;
  for (std::size_t j = 0; j < admitted.size(); ++j) {
    in_window += admitted[j].cost;
    while (admitted[first].at + window <= admitted[j].at) in_window -= admitted[first++].cost;
    ASSERT_LE(in_window, limit) << "window ending at admitted request " << j;
  }
  // The sequence must have exercised both answers and the boundary.
  EXPECT_GT(allowed, n / 20);
  EXPECT_GT(rejected, n / 20);
  EXPECT_GT(boundary_hits, n / 20);
}

}  // namespace

TEST(SlidingLog, NeverAdmitsMoreThanTheLimitInAnyWindowOfARandomSequence) {
  for (std::uint64_t seed : {1u, 2u, 3u})
    run_randomized(seed, 100, 1h, 90s, 1, 10000);
}

TEST(SlidingLog, NeverAdmitsMoreThanTheLimitInAnyWindowWithCostsAboveOne) {
  run_randomized(42, 100, 1h, 90s, 5, 10000);
}

TEST(SlidingLog, NeverAdmitsMoreThanTheLimitInAnyWindowOfAShortWindow) {
  run_randomized(7, 5, 1s, 300ms, 2, 10000);
}
