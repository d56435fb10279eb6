#ifndef LOAD_GENERATION_CLOCK_SIMULATED_CLOCK_H_
#define LOAD_GENERATION_CLOCK_SIMULATED_CLOCK_H_

#include <cstdint>
#include <map>
#include <memory>
#include <utility>

#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "load_generation/clock/clock.h"

namespace loadgen {

// Simulated time for tests. Time stands still until the test advances it; timers fire in
// deadline order (ties in the order their waits began), and after each the io_context runs
// until it has nothing ready, so a test sees every effect of each moment, deterministically.
// Use it with one single-threaded io_context.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(absl::Time start = absl::FromUnixSeconds(1700000000)) : now_(start) {}

  absl::Time Now() const override { return now_; }
  std::unique_ptr<Timer> MakeTimer(const LoopExecutor& executor) override;

  // Moves time to `t` (never backwards), firing due timers on the way.
  void AdvanceTo(absl::Time t, asio::io_context& io);
  void Advance(absl::Duration d, asio::io_context& io) { AdvanceTo(now_ + d, io); }
  // Runs what is ready now, without moving time.
  void RunReady(asio::io_context& io);
  // The deadline of the earliest pending wait, or InfiniteFuture.
  absl::Time NextDeadline() const;

 private:
  friend class SimulatedTimer;
  using Key = std::pair<absl::Time, uint64_t>;

  absl::Time now_;
  uint64_t sequence_ = 0;
  std::map<Key, class SimulatedTimer*> pending_;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CLOCK_SIMULATED_CLOCK_H_
