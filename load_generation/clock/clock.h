#ifndef LOAD_GENERATION_CLOCK_CLOCK_H_
#define LOAD_GENERATION_CLOCK_CLOCK_H_

#include <memory>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/system_timer.hpp"

namespace loadgen {

namespace asio = boost::asio;

// A timer for one coroutine at a time. Use it only from the executor it was made for.
class Timer {
 public:
  virtual ~Timer() = default;
  // Waits until `deadline`. True if the deadline came, false if Cancel() ended the wait first.
  virtual asio::awaitable<bool> WaitUntil(absl::Time deadline) = 0;
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
  virtual std::unique_ptr<Timer> MakeTimer(const asio::any_io_executor& executor) = 0;
};

// Wall-clock time, so that deadlines given as wall-clock times (a common start across shards)
// are met; timers follow the system clock.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  std::unique_ptr<Timer> MakeTimer(const asio::any_io_executor& executor) override;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CLOCK_CLOCK_H_
