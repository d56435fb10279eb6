#include "load_generation/clock/clock.h"

#include <tuple>

#include "boost/asio/as_tuple.hpp"

namespace loadgen {
namespace {

class SystemTimer final : public Timer {
 public:
  explicit SystemTimer(const LoopExecutor& executor) : timer_(executor) {}

  Awaitable<bool> WaitUntil(absl::Time deadline) override {
    timer_.expires_at(absl::ToChronoTime(deadline));
    auto [error] = co_await timer_.async_wait(asio::as_tuple(kAwait));
    co_return !error;
  }

  void Cancel() override { timer_.cancel(); }

 private:
  LoopTimer<std::chrono::system_clock> timer_;
};

}  // namespace

std::unique_ptr<Timer> RealClock::MakeTimer(const LoopExecutor& executor) {
  return std::make_unique<SystemTimer>(executor);
}

}  // namespace loadgen
