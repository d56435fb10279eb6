#include "load_generation/runtime/event_loop.h"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "gtest/gtest.h"
#include "load_generation/testing/eventually.h"

namespace loadgen {
namespace {

namespace asio = boost::asio;
using ::loadgen::testing::Eventually;

// Generous bounds on waits that only a broken loop would reach: no time is measured.
constexpr auto kNever = std::chrono::seconds(30);

uint64_t NoProgress() { return 0; }

class EventLoopTest : public ::testing::TestWithParam<absl::Duration> {};

// Work posted from another thread and timers run, whether the loop is polling or asleep; the loop
// ends when it runs out of work or, polling, when stopped.
TEST_P(EventLoopTest, RunsPostedWorkAndTimers) {
  asio::io_context io(1);
  asio::executor_work_guard<asio::io_context::executor_type> work(io.get_executor());
  std::thread loop([&] { RunEventLoop(io, GetParam(), NoProgress); });

  for (int i = 0; i < 3; ++i) {
    std::promise<void> ran;
    asio::post(io, [&] { ran.set_value(); });
    ASSERT_EQ(ran.get_future().wait_for(kNever), std::future_status::ready);
    std::promise<void> fired;
    asio::steady_timer timer(io, std::chrono::milliseconds(1));
    asio::post(io, [&] { timer.async_wait([&](auto) { fired.set_value(); }); });
    ASSERT_EQ(fired.get_future().wait_for(kNever), std::future_status::ready);
    // Long enough for a busy poll window of 1 ms to pass: the loop is asleep for the next one.
    if (i == 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::promise<void> ended;
  std::thread waiter([&] {
    loop.join();
    ended.set_value();
  });
  work.reset();
  if (GetParam() > absl::ZeroDuration()) io.stop();
  EXPECT_EQ(ended.get_future().wait_for(kNever), std::future_status::ready);
  waiter.join();
}

// io.stop() from another thread ends the loop while it has work, polling or asleep.
TEST_P(EventLoopTest, StopEndsIt) {
  for (const bool asleep : {false, true}) {
    asio::io_context io(1);
    asio::executor_work_guard<asio::io_context::executor_type> work(io.get_executor());
    std::promise<void> started, ended;
    std::thread loop([&] {
      RunEventLoop(io, GetParam(), NoProgress);
      ended.set_value();
    });
    asio::post(io, [&] { started.set_value(); });
    ASSERT_EQ(started.get_future().wait_for(kNever), std::future_status::ready);
    if (asleep) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    io.stop();
    EXPECT_EQ(ended.get_future().wait_for(kNever), std::future_status::ready);
    loop.join();
  }
}

INSTANTIATE_TEST_SUITE_P(BusyPollOrNot, EventLoopTest,
                         ::testing::Values(absl::ZeroDuration(), absl::Milliseconds(1)));

// Runs a busy-polling loop (1 ms) whose progress is `progress`, counting the calls to it: the
// loop calls it once a round while it polls, not while it sleeps.
class BusyLoop {
 public:
  explicit BusyLoop(std::function<uint64_t()> progress)
      : thread_([this, progress = std::move(progress)] {
          RunEventLoop(io_, absl::Milliseconds(1), [this, &progress] {
            ++rounds_;
            return progress();
          });
        }) {}
  ~BusyLoop() {
    io_.stop();
    thread_.join();
  }
  asio::io_context& io() { return io_; }
  int64_t rounds() const { return rounds_; }

  // Waits until no round runs for 10 ms: the loop sleeps.
  bool WaitUntilAsleep() const {
    return Eventually([this] {
      const int64_t before = rounds_;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return rounds_ == before;
    });
  }

 private:
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::atomic<int64_t> rounds_ = 0;
  std::thread thread_;
};

// Once its users' progress stops, the loop sleeps (after the window), and what wakes it starts
// the polling again, until it sleeps again.
TEST(BusyPoll, SleepsOnceProgressStopsAndPollsAgainWhenWoken) {
  BusyLoop loop(NoProgress);
  ASSERT_TRUE(loop.WaitUntilAsleep());
  const int64_t asleep = loop.rounds();
  std::promise<void> ran;
  asio::post(loop.io(), [&] { ran.set_value(); });
  ASSERT_EQ(ran.get_future().wait_for(kNever), std::future_status::ready);
  ASSERT_TRUE(loop.WaitUntilAsleep());
  EXPECT_GT(loop.rounds(), asleep);
}

// While its users' progress moves, the loop does not sleep: the rounds go on with nothing else to
// run (here progress moves at every look).
TEST(BusyPoll, PollsWhileProgressMoves) {
  uint64_t progress = 0;
  BusyLoop loop([&progress] { return ++progress; });
  EXPECT_TRUE(Eventually([&loop] { return loop.rounds() >= 100000; }));
}

}  // namespace
}  // namespace loadgen
