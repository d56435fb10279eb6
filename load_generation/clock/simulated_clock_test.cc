#include "load_generation/clock/simulated_clock.h"

#include <string>
#include <vector>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::ElementsAre;

TEST(SimulatedClock, TimersFireInDeadlineOrderAtTheirDeadline) {
  asio::io_context io;
  SimulatedClock clock;
  const absl::Time t0 = clock.Now();
  std::vector<std::string> events;
  auto sleeper = [&](std::string name, absl::Duration d) -> Awaitable<void> {
    auto timer = clock.MakeTimer(io.get_executor());
    bool fired = co_await timer->WaitUntil(t0 + d);
    events.push_back(name + (fired ? "@" : "!") + absl::FormatDuration(clock.Now() - t0));
  };
  asio::co_spawn(io, sleeper("b", absl::Seconds(2)), asio::detached);
  asio::co_spawn(io, sleeper("a", absl::Seconds(1)), asio::detached);
  asio::co_spawn(io, sleeper("c", absl::Seconds(5)), asio::detached);
  clock.RunReady(io);
  EXPECT_TRUE(events.empty());
  clock.Advance(absl::Seconds(3), io);
  EXPECT_THAT(events, ElementsAre("a@1s", "b@2s"));
  EXPECT_EQ(clock.Now(), t0 + absl::Seconds(3));
  EXPECT_EQ(clock.NextDeadline(), t0 + absl::Seconds(5));
  clock.Advance(absl::Seconds(10), io);
  EXPECT_THAT(events, ElementsAre("a@1s", "b@2s", "c@5s"));
}

TEST(SimulatedClock, CancelEndsTheWaitWithFalse) {
  asio::io_context io;
  SimulatedClock clock;
  auto timer = clock.MakeTimer(io.get_executor());
  std::optional<bool> result;
  asio::co_spawn(
      io,
      [&]() -> Awaitable<void> {
        result = co_await timer->WaitUntil(clock.Now() + absl::Hours(1));
      },
      asio::detached);
  clock.RunReady(io);
  EXPECT_FALSE(result.has_value());
  timer->Cancel();
  clock.RunReady(io);
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(*result);
  EXPECT_EQ(clock.NextDeadline(), absl::InfiniteFuture());
}

TEST(SimulatedClock, WaitForNowCompletesOnTheNextAdvanceWithoutMovingTime) {
  asio::io_context io;
  SimulatedClock clock;
  auto timer = clock.MakeTimer(io.get_executor());
  std::optional<bool> result;
  asio::co_spawn(
      io, [&]() -> Awaitable<void> { result = co_await timer->WaitUntil(clock.Now()); },
      asio::detached);
  absl::Time before = clock.Now();
  clock.Advance(absl::ZeroDuration(), io);
  EXPECT_EQ(result, std::optional<bool>(true));
  EXPECT_EQ(clock.Now(), before);
}

}  // namespace
}  // namespace loadgen
