#include "load_generation/clock/clock.h"

#include <tuple>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/use_awaitable.hpp"

namespace loadgen {
namespace {

class SystemTimer final : public Timer {
 public:
  explicit SystemTimer(const asio::any_io_executor& executor) : timer_(executor) {}

  asio::awaitable<bool> WaitUntil(absl::Time deadline) override {
    timer_.expires_at(absl::ToChronoTime(deadline));
    auto [error] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !error;
  }

  void Cancel() override { timer_.cancel(); }

 private:
  asio::system_timer timer_;
};

}  // namespace

std::unique_ptr<Timer> RealClock::MakeTimer(const asio::any_io_executor& executor) {
  return std::make_unique<SystemTimer>(executor);
}

}  // namespace loadgen
