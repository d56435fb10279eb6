#ifndef LOAD_GENERATION_BEHAVIOR_USER_H_
#define LOAD_GENERATION_BEHAVIOR_USER_H_

#include <atomic>
#include <cstdint>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "boost/asio/any_io_executor.hpp"
#include "load_generation/behavior/behavior.h"
#include "load_generation/clock/clock.h"
#include "load_generation/http/http_client.h"

namespace loadgen {

// The pause range of a user type in the current phase, shared by all its users and updated at
// phase changes from another thread.
class WaitRange {
 public:
  void Set(int min_ms, int max_ms) {
    packed_.store((static_cast<uint64_t>(static_cast<uint32_t>(min_ms)) << 32) |
                      static_cast<uint32_t>(max_ms),
                  std::memory_order_relaxed);
  }
  std::pair<int, int> Get() const {
    uint64_t v = packed_.load(std::memory_order_relaxed);
    return {static_cast<int>(v >> 32), static_cast<int>(v & 0xffffffffu)};
  }

 private:
  std::atomic<uint64_t> packed_{0};
};

// One simulated user: its behaviour, its HTTP session (connection and cookies) and its own
// random generator, seeded so that the same seed gives the same tasks and pauses. Lives on one
// event loop; Run and RequestStop are called on that loop's executor.
class User : public std::enable_shared_from_this<User> {
 public:
  struct Options {
    int64_t id = 0;
    std::string type;
    uint64_t seed = 0;
  };
  User(Options options, std::unique_ptr<UserBehavior> behavior,
       std::unique_ptr<HttpSession> session, Clock& clock, const asio::any_io_executor& executor,
       const WaitRange& wait, StatsShard& stats);

  // --- For behaviours.
  int64_t id() const { return options_.id; }
  const std::string& type() const { return options_.type; }
  HttpSession& http() { return *session_; }
  std::mt19937_64& rng() { return rng_; }
  // A uniformly drawn integer in [lo, hi].
  int64_t UniformInt(int64_t lo, int64_t hi);
  // A uniformly drawn element of a container; `options` must not be empty.
  template <typename Container>
  const auto& Choose(const Container& options) {
    return options[UniformInt(0, static_cast<int64_t>(std::size(options)) - 1)];
  }
  // Pauses inside a task; returns at once when the user is cancelled.
  Task Sleep(absl::Duration duration);
  // True once the user has been told to stop.
  bool stopping() const { return stop_requested_; }

  // --- For the user pool.
  // Runs OnStart, then tasks and pauses until stopped, then OnStop.
  asio::awaitable<void> Run();
  // Lets the current task finish, then stops; a pause ends at once. After `timeout`, whatever
  // is still running (a task, OnStart, OnStop) is cancelled. Asked again with no time left (a
  // second signal), the user is cancelled at once.
  void RequestStop(absl::Duration timeout);
  // After its current task (or pause) the user waits, doing nothing, until Resume.
  void Pause();
  void Resume();
  int64_t tasks_completed() const { return tasks_completed_; }
  asio::any_io_executor executor() const { return executor_; }

 private:
  enum class State { kNew, kInTask, kWaiting, kPaused, kStopping, kDone };

  // Runs a task; an exception it throws is recorded as a failure of the task, not propagated.
  asio::awaitable<void> RunGuarded(Task task, absl::string_view name);
  void Cancel();

  Options options_;
  std::unique_ptr<UserBehavior> behavior_;
  std::unique_ptr<HttpSession> session_;
  Clock& clock_;
  asio::any_io_executor executor_;
  const WaitRange& wait_;
  StatsShard& stats_;
  std::unique_ptr<Timer> wait_timer_;
  std::unique_ptr<Timer> stop_timer_;
  std::mt19937_64 rng_;
  State state_ = State::kNew;
  bool stop_requested_ = false;
  bool paused_ = false;
  bool cancelled_ = false;
  int64_t tasks_completed_ = 0;
};

// A seed for user `id` from the run's seed: distinct, well-mixed streams per user.
uint64_t UserSeed(uint64_t run_seed, int64_t id);

}  // namespace loadgen

#endif  // LOAD_GENERATION_BEHAVIOR_USER_H_
