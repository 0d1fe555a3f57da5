#include "actors/signals/event_state.hpp"

#include <gtest/gtest.h>

using namespace delta::signals;
using namespace std::chrono_literals;

TEST(SignalEventState, EachStageLeavesTheNextStatusAndHandsOnToTheNextStage) {
  EXPECT_EQ(on_success(stage::enrich).status, event_status::enriched);
  EXPECT_EQ(on_success(stage::enrich).next, stage::evaluate);
  EXPECT_EQ(on_success(stage::evaluate).status, event_status::evaluated);
  EXPECT_EQ(on_success(stage::evaluate).next, stage::publish);
  EXPECT_EQ(on_success(stage::publish).status, event_status::published);
  EXPECT_EQ(on_success(stage::publish).next, stage::none);
}

TEST(SignalEventState, AStatusWaitsForTheStageThatFollowsIt) {
  EXPECT_EQ(stage_after(event_status::received), stage::enrich);
  EXPECT_EQ(stage_after(event_status::enriched), stage::evaluate);
  EXPECT_EQ(stage_after(event_status::evaluated), stage::publish);
  EXPECT_EQ(stage_after(event_status::published), stage::none);
  EXPECT_EQ(stage_after(event_status::dead), stage::none);
}

TEST(SignalEventState, OnlyPublishedAndDeadAreFinished) {
  EXPECT_TRUE(unfinished(event_status::received));
  EXPECT_TRUE(unfinished(event_status::failed));
  EXPECT_FALSE(unfinished(event_status::published));
  EXPECT_FALSE(unfinished(event_status::dead));
}

TEST(SignalEventState, NamesRoundTripAndUnknownNamesAreRejected) {
  for (auto s : {event_status::received, event_status::enriched, event_status::evaluated, event_status::published,
                 event_status::failed, event_status::dead})
    EXPECT_EQ(parse_status(name_of(s)), s);
  for (auto s : {stage::enrich, stage::evaluate, stage::publish, stage::none}) EXPECT_EQ(parse_stage(name_of(s)), s);
  EXPECT_FALSE(parse_status("queued"));
  EXPECT_FALSE(parse_stage("ingest"));
}

TEST(SignalEventState, AFailureRetriesWithGrowingBackoffUntilTheAttemptsAreUsedUp) {
  retry_settings cfg;
  cfg.max_attempts = 3;
  cfg.backoff = {100ms, 10s, 10ms};
  auto first = on_failure(cfg, 0, 0.999);
  EXPECT_EQ(first.status, event_status::failed);
  EXPECT_EQ(first.attempts, 1);
  EXPECT_LE(first.retry_in, 100ms);
  auto second = on_failure(cfg, 1, 0.999);
  EXPECT_EQ(second.status, event_status::failed);
  EXPECT_GT(second.retry_in, 100ms);
  EXPECT_LE(second.retry_in, 200ms);
  auto third = on_failure(cfg, 2, 0.5);
  EXPECT_EQ(third.status, event_status::dead);
  EXPECT_EQ(third.attempts, 3);
}

TEST(SignalEventState, OneAllowedAttemptMeansTheFirstFailureIsDead) {
  retry_settings cfg;
  cfg.max_attempts = 1;
  EXPECT_EQ(on_failure(cfg, 0, 0.0).status, event_status::dead);
}

TEST(SignalEventState, TheJitterNeverGoesBelowTheFloor) {
  retry_settings cfg;
  cfg.backoff = {100ms, 10s, 10ms};
  EXPECT_EQ(on_failure(cfg, 0, 0.0).retry_in, 10ms);
}
