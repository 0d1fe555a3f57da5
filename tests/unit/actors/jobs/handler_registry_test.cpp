// actors/jobs/handler_registry.hpp: kinds registered by name, one handler
// per attempt, names checked like the jobs table does.
#include "actors/jobs/handler_registry.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace delta::jobs;

namespace {

int made = 0;

handler_registry::factory counting() {
  return [] {
    ++made;
    return synchronous([](job_context&) {})();
  };
}

}  // namespace

TEST(HandlerRegistry, MakesAFreshHandlerForEachAttemptOfARegisteredKind) {
  handler_registry r;
  r.add("noop", counting());
  made = 0;
  auto a = r.make("noop");
  auto b = r.make("noop");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a.get(), b.get());
  EXPECT_EQ(made, 2);
}

TEST(HandlerRegistry, AnUnknownKindHasNoHandler) {
  handler_registry r;
  r.add("noop", counting());
  EXPECT_EQ(r.make("backtest"), nullptr);
  EXPECT_FALSE(r.has("backtest"));
  EXPECT_TRUE(r.has("noop"));
}

TEST(HandlerRegistry, RefusesAKindRegisteredTwice) {
  handler_registry r;
  r.add("noop", counting());
  EXPECT_THROW(r.add("noop", counting()), std::invalid_argument);
}

TEST(HandlerRegistry, RefusesNamesTheJobsTableWouldRefuse) {
  handler_registry r;
  EXPECT_THROW(r.add("", counting()), std::invalid_argument);
  EXPECT_THROW(r.add("Backtest", counting()), std::invalid_argument);
  EXPECT_THROW(r.add("1job", counting()), std::invalid_argument);
  EXPECT_THROW(r.add("has space", counting()), std::invalid_argument);
  EXPECT_THROW(r.add(std::string(65, 'a'), counting()), std::invalid_argument);
  EXPECT_NO_THROW(r.add("research_report.v2", counting()));
  EXPECT_NO_THROW(r.add(std::string(64, 'a'), counting()));
}

TEST(HandlerRegistry, ListsItsKindsSorted) {
  handler_registry r;
  r.add("noop", counting());
  r.add("backtest", counting());
  r.add("refresh_summaries", counting());
  EXPECT_EQ(r.kinds(), (std::vector<std::string>{"backtest", "noop", "refresh_summaries"}));
}
