#include "load_generation/clock/simulated_clock.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "boost/asio/as_tuple.hpp"

namespace loadgen {

// Waits on an Asio timer set to never expire; the clock ends the wait by cancelling it once the
// deadline is reached, after marking it fired.
class SimulatedTimer final : public Timer {
 public:
  SimulatedTimer(SimulatedClock& clock, const LoopExecutor& executor)
      : clock_(clock), timer_(executor) {}
  ~SimulatedTimer() override { Unregister(); }

  Awaitable<bool> WaitUntil(absl::Time deadline) override {
    fired_ = false;
    key_ = SimulatedClock::Key{deadline, clock_.sequence_++};
    clock_.pending_.emplace(*key_, this);
    timer_.expires_at(std::chrono::steady_clock::time_point::max());
    co_await timer_.async_wait(asio::as_tuple(kAwait));
    Unregister();
    co_return fired_;
  }

  void Cancel() override {
    Unregister();
    timer_.cancel();
  }

  void Fire() {
    key_.reset();
    fired_ = true;
    timer_.cancel();
  }

 private:
  void Unregister() {
    if (key_) clock_.pending_.erase(*key_);
    key_.reset();
  }

  SimulatedClock& clock_;
  LoopTimer<std::chrono::steady_clock> timer_;
  std::optional<SimulatedClock::Key> key_;
  bool fired_ = false;
};

std::unique_ptr<Timer> SimulatedClock::MakeTimer(const LoopExecutor& executor) {
  return std::make_unique<SimulatedTimer>(*this, executor);
}

void SimulatedClock::RunReady(asio::io_context& io) {
  io.restart();
  io.poll();
}

void SimulatedClock::AdvanceTo(absl::Time t, asio::io_context& io) {
  RunReady(io);
  while (!pending_.empty() && pending_.begin()->first.first <= t) {
    auto [key, timer] = *pending_.begin();
    pending_.erase(pending_.begin());
    now_ = std::max(now_, key.first);
    timer->Fire();
    RunReady(io);
  }
  now_ = std::max(now_, t);
  RunReady(io);
}

absl::Time SimulatedClock::NextDeadline() const {
  return pending_.empty() ? absl::InfiniteFuture() : pending_.begin()->first.first;
}

}  // namespace loadgen
