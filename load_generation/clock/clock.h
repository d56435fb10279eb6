#ifndef LOAD_GENERATION_CLOCK_CLOCK_H_
#define LOAD_GENERATION_CLOCK_CLOCK_H_

#include <memory>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/basic_waitable_timer.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/use_awaitable.hpp"

namespace loadgen {

namespace asio = boost::asio;

// An event loop's executor, named by its own type wherever a coroutine runs or an I/O object
// completes, not by Asio's default, the type-erased any_io_executor: through that, each
// completion costs a type-erased call, a function object made for it and a copy of the
// executor on every hand-over.
using LoopExecutor = asio::io_context::executor_type;
// A coroutine that runs on an event loop.
template <typename T>
using Awaitable = asio::awaitable<T, LoopExecutor>;
// The completion token that makes an asynchronous operation awaitable in one.
inline constexpr asio::use_awaitable_t<LoopExecutor> kAwait;
// An Asio timer on `TimeSource` (std::chrono::steady_clock, say) for an event loop.
template <typename TimeSource>
using LoopTimer =
    asio::basic_waitable_timer<TimeSource, asio::wait_traits<TimeSource>, LoopExecutor>;

// A timer for one coroutine at a time. Use it only from the executor it was made for.
class Timer {
 public:
  virtual ~Timer() = default;
  // Waits until `deadline`. True if the deadline came, false if Cancel() ended the wait first.
  virtual Awaitable<bool> WaitUntil(absl::Time deadline) = 0;
  // Ends the wait in progress, which then returns false. Does nothing when none is.
  virtual void Cancel() = 0;
};

// The source of time for everything that schedules: phases, ramps, pauses between tasks. Tests
// hand in a SimulatedClock; the daemon uses RealClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // A timer whose waits complete on `executor`.
  virtual std::unique_ptr<Timer> MakeTimer(const LoopExecutor& executor) = 0;
};

// Wall-clock time, so that deadlines given as wall-clock times (a common start across shards)
// are met; timers follow the system clock.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  std::unique_ptr<Timer> MakeTimer(const LoopExecutor& executor) override;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CLOCK_CLOCK_H_
