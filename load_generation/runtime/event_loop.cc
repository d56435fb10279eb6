#include "load_generation/runtime/event_loop.h"

#include <chrono>
#include <memory>

#include "boost/asio/post.hpp"

namespace loadgen {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// A handler that posts itself again until the window has passed without progress. While it is
// queued, Asio's loop asks the kernel for events without waiting for them; it runs once a round
// of the loop. To sleep, it runs the loop for one handler from within: that wait ends with the
// first thing to do (or io.stop()), and the polling starts again.
class Spinner {
 public:
  struct State {
    asio::io_context& io;
    const Clock::duration window;
    const std::function<uint64_t()> progress;
    uint64_t last_progress = 0;
    Clock::time_point last_work;
    bool ended = false;  // RunEventLoop returned: a spinner still queued does nothing
  };

  explicit Spinner(std::shared_ptr<State> state) : state_(std::move(state)) {}

  void operator()() const {
    State& s = *state_;
    if (s.ended || s.io.stopped()) return;
    const uint64_t progress = s.progress();
    if (progress != s.last_progress) {
      s.last_progress = progress;
      s.last_work = Clock::now();
    } else if (Clock::now() - s.last_work >= s.window) {
      s.io.run_one();  // sleeps until there is something to do
      if (s.io.stopped()) return;
      s.last_progress = s.progress();
      s.last_work = Clock::now();
    }
    asio::post(s.io, *this);
  }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace

void RunEventLoop(asio::io_context& io, absl::Duration busy_poll,
                  std::function<uint64_t()> progress) {
  if (busy_poll <= absl::ZeroDuration()) {
    io.run();
    return;
  }
  auto state = std::make_shared<Spinner::State>(Spinner::State{
      .io = io,
      .window = absl::ToChronoNanoseconds(busy_poll),
      .progress = std::move(progress),
  });
  state->last_progress = state->progress();
  state->last_work = Clock::now();
  asio::post(io, Spinner(state));
  io.run();
  state->ended = true;
}

}  // namespace loadgen
