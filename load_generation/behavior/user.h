#ifndef LOAD_GENERATION_BEHAVIOR_USER_H_
#define LOAD_GENERATION_BEHAVIOR_USER_H_

#include <atomic>
#include <cstdint>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "load_generation/behavior/behavior.h"
#include "load_generation/clock/clock.h"
#include "load_generation/http/http_client.h"

namespace loadgen {

// How the users of a type go on after a task in the current phase, shared by all of them and
// updated at phase changes from another thread: in a closed phase, a pause drawn from
// [min_ms, max_ms]; in an open one, they wait for an arrival.
class WaitRange {
 public:
  void Set(int min_ms, int max_ms) { Store(min_ms, max_ms); }
  void SetOpen() { Store(kOpen, kOpen); }
  bool open() const { return Get().first == kOpen; }
  std::pair<int, int> Get() const {
    uint64_t v = packed_.load(std::memory_order_relaxed);
    return {static_cast<int>(v >> 32), static_cast<int>(v & 0xffffffffu)};
  }

 private:
  static constexpr int kOpen = -1;  // no pause is negative
  void Store(int min_ms, int max_ms) {
    packed_.store((static_cast<uint64_t>(static_cast<uint32_t>(min_ms)) << 32) |
                      static_cast<uint32_t>(max_ms),
                  std::memory_order_relaxed);
  }
  std::atomic<uint64_t> packed_{0};
};

class User;

// Where the users of an open phase get their arrivals: their event loop's dispatcher. Called on
// that loop.
class ArrivalSource {
 public:
  virtual ~ArrivalSource() = default;
  // What a user tells about itself when it is ready or leaves.
  struct Report {
    bool served = false;  // it has just finished an arrival's task
    bool first = false;   // it was made for arrivals and has not been ready before
  };
  // `user` is ready for an arrival: returns the intended time of one that waits for it, or keeps
  // the user idle until User::GiveArrival or User::Release.
  virtual std::optional<absl::Time> Ready(User& user, Report report) = 0;
  // `user` stops and is no longer idle.
  virtual void Leave(User& user, Report report) = 0;
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
    bool made_for_arrivals = false;  // an ArrivalSource asked for it
  };
  // `arrivals` serves the user in open phases; it may be null when the user never sees one.
  User(Options options, std::unique_ptr<UserBehavior> behavior,
       std::unique_ptr<HttpSession> session, Clock& clock, const LoopExecutor& executor,
       const WaitRange& wait, StatsShard& stats, ArrivalSource* arrivals = nullptr);

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
  // Runs OnStart, then until stopped: in a closed phase a task and a pause, again and again; in
  // an open one a task for each arrival its ArrivalSource gives it. Then OnStop, and the
  // connection is closed.
  Awaitable<void> Run();
  // Lets the current task finish, then stops; a pause ends at once. After `timeout`, whatever
  // is still running (a task, OnStart, OnStop) is cancelled. Asked again with no time left (a
  // second signal), the user is cancelled at once.
  void RequestStop(absl::Duration timeout);
  // Ends the pause under way, if any (its type's phase has become open).
  void CutPause();
  // After its current task (or pause) the user waits, doing nothing, until Resume.
  void Pause();
  void Resume();
  // --- For the ArrivalSource, on the user's loop.
  // Ends the user's idling with an arrival meant for `intended`.
  void GiveArrival(absl::Time intended);
  // Ends the user's idling without one: the dispatcher no longer keeps it.
  void Release();

  int64_t tasks_completed() const { return tasks_completed_; }
  LoopExecutor executor() const { return executor_; }

 private:
  enum class State { kNew, kInTask, kWaiting, kIdle, kPaused, kStopping, kDone };

  // Runs a task; an exception it throws is recorded as a failure of the task, not propagated.
  Awaitable<void> RunGuarded(Task task, absl::string_view name);
  void RecordException(absl::string_view name, const std::exception& e);
  // When a pause of `wait_ms` (> 0) begun now ends.
  absl::Time PauseDue(int64_t wait_ms) const;
  // Waits for an arrival; nullopt if the user is released or told to stop first.
  Awaitable<std::optional<absl::Time>> AwaitArrival(bool served);
  void Cancel();

  Options options_;
  std::unique_ptr<UserBehavior> behavior_;
  std::unique_ptr<HttpSession> session_;
  Clock& clock_;
  LoopExecutor executor_;
  const WaitRange& wait_;
  StatsShard& stats_;
  ArrivalSource* arrivals_;
  std::optional<absl::Time> arrival_;  // given by GiveArrival, not yet taken
  bool first_ready_;                   // see ArrivalSource::Report::first
  std::unique_ptr<Timer> wait_timer_;
  std::unique_ptr<Timer> stop_timer_;
  std::mt19937_64 rng_;
  State state_ = State::kNew;
  bool stop_requested_ = false;
  bool paused_ = false;
  bool cancelled_ = false;
  int64_t tasks_completed_ = 0;
  static constexpr int64_t kTasksBetweenYields = 16;
  int64_t tasks_without_pause_ = 0;
};

// A seed for user `id` from the run's seed: distinct, well-mixed streams per user.
uint64_t UserSeed(uint64_t run_seed, int64_t id);

}  // namespace loadgen

#endif  // LOAD_GENERATION_BEHAVIOR_USER_H_
