#include "load_generation/runtime/event_loop.h"

#include <chrono>
#include <future>
#include <thread>

#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

namespace asio = boost::asio;

// Generous bounds on waits that only a broken loop would reach: no time is measured.
constexpr auto kNever = std::chrono::seconds(30);

class EventLoopTest : public testing::TestWithParam<absl::Duration> {};

// Work posted from another thread and timers run, whether the loop is polling or asleep, and the
// loop ends when it runs out of work.
TEST_P(EventLoopTest, RunsPostedWorkAndTimersThenEndsWhenOutOfWork) {
  asio::io_context io(1);
  asio::executor_work_guard<asio::io_context::executor_type> work(io.get_executor());
  std::thread loop([&] { RunEventLoop(io, GetParam()); });

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
      RunEventLoop(io, GetParam());
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
                         testing::Values(absl::ZeroDuration(), absl::Milliseconds(1)));

}  // namespace
}  // namespace loadgen
