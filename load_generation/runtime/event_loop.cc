#include "load_generation/runtime/event_loop.h"

#include <chrono>

namespace loadgen {

void RunEventLoop(boost::asio::io_context& io, absl::Duration busy_poll) {
  if (busy_poll <= absl::ZeroDuration()) {
    io.run();
    return;
  }
  using Clock = std::chrono::steady_clock;
  const Clock::duration window = absl::ToChronoNanoseconds(busy_poll);
  Clock::time_point last_work = Clock::now();
  while (!io.stopped()) {
    if (io.poll() > 0) {
      last_work = Clock::now();
    } else if (Clock::now() - last_work >= window) {
      io.run_one();  // sleeps until there is something to do
      last_work = Clock::now();
    }
  }
}

}  // namespace loadgen
