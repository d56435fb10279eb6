#ifndef LOAD_GENERATION_RUNTIME_USER_POOL_H_
#define LOAD_GENERATION_RUNTIME_USER_POOL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "load_generation/behavior/behavior.h"
#include "load_generation/behavior/user.h"
#include "load_generation/clock/clock.h"
#include "load_generation/http/http_client.h"
#include "load_generation/plan/arrivals.h"
#include "load_generation/runtime/arrival_dispatcher.h"
#include "load_generation/runtime/run_status.h"
#include "load_generation/stats/stats.h"

namespace loadgen {

// How many users of a type are wanted, and how long they pause between tasks.
struct UserTypeTarget {
  std::string name;
  int users = 0;
  int min_wait_ms = 0;
  int max_wait_ms = 0;
};

// An open phase as the pool sees it: this shard's part of it.
struct OpenTargets {
  std::vector<std::string> types;  // the user types arrivals go to, by `ratios`
  std::vector<int> ratios;
  ArrivalRate rate;  // of all shards together
  absl::Time start;  // the rate's time 0
  absl::Time from;   // arrivals due before are skipped
  int shard_index = 0;
  int shard_count = 1;
  int max_busy = 1;  // this shard's share of max_users
  absl::Duration max_start_delay;
};

// An event loop as the pool sees it: where users run and where they record.
struct EventLoopHandle {
  LoopExecutor executor;
  StatsShard* stats = nullptr;
};

// Keeps the live users of each type moving towards their targets (a closed phase), or serving
// arrivals (an open one).
//
// Closed: the live users of each type move towards their targets. Starts go at the hatch rate
// (the k-th start of a ramp at ramp start + k / rate), and stops likewise, at the same time, so
// the total changes smoothly when types swap; the newest users of a type stop first. Users that
// stay are never touched. Each new user goes to the event loop with the fewest users.
//
// Open: each event loop has an ArrivalDispatcher with its share of the rate (loops and shards
// are streams of one schedule), which hands arrivals to the idle users of its loop and asks the
// pool for a new one when none is; the users of the phase's types are kept, those of other types
// stop at once. A change between closed and open keeps the users that stay, with their sessions.
//
// All methods run on the control executor; users run on the loops'.
class UserPool {
 public:
  struct Options {
    uint64_t seed = 0;
    absl::Duration stop_timeout = absl::Seconds(5);
    HttpSettings http;
  };

  UserPool(const LoopExecutor& control, std::vector<EventLoopHandle> loops, Clock& clock,
           BehaviorSource behaviors, Options options);
  // Requires that no user is alive (StopAll has completed).
  ~UserPool();

  // New targets; types not named go to 0. `hatch_rate` users/s; <= 0 means at once. Ends the
  // open phase under way, if any: its arrivals still waiting are dropped.
  void SetTargets(const std::vector<UserTypeTarget>& targets, double hatch_rate);
  // Serves an open phase, or the same with a new rate: users of types not named stop at once.
  void SetOpen(const OpenTargets& open);
  // Tells every user to stop at once, giving them `stop_timeout` (else the pool's) to finish
  // their task, and completes when all are gone. The pool can be given targets again afterwards.
  Awaitable<void> StopAll(std::optional<absl::Duration> stop_timeout = std::nullopt);
  // Users told to stop are cancelled now instead of when their stop timeout runs out; the
  // requests they have in flight are counted as cancelled at stop.
  void CutStops();
  // Where users of types started from now on get their behaviour (after a config reload).
  void SetBehaviors(BehaviorSource behaviors) { behaviors_ = std::move(behaviors); }

  // Users finish their current task and then idle; the ramp stops where it is.
  void Pause();
  // Users go on; the ramp resumes from where it was.
  void Resume();
  bool paused() const { return paused_; }

  std::vector<UserTypeCounts> Counts() const;
  int LiveUsers() const;  // active and stopping
  // The active users of `type`, oldest first (for tests and status).
  std::vector<std::shared_ptr<User>> Users(absl::string_view type) const;
  int64_t users_started() const { return next_user_id_; }

 private:
  struct TypeState {
    std::string name;
    int target = 0;
    WaitRange wait;
    std::vector<std::shared_ptr<User>> active;    // oldest first
    std::vector<std::shared_ptr<User>> stopping;  // told to stop, not yet done
  };

  TypeState& Type(absl::string_view name);
  void StartRamp();
  Awaitable<void> Ramp();
  bool StartOne();
  bool StopOne();
  // Starts a user of `type` on `loop`, or on the loop with the fewest users.
  void StartUser(TypeState& type, std::optional<int> loop = std::nullopt,
                 bool made_for_arrivals = false);
  // A dispatcher asks for a user of `type` on its loop.
  void StartArrivalUser(const std::string& type, int loop);
  // Runs `fn(dispatcher)` on each loop.
  template <typename Fn>
  void OnDispatchers(Fn fn);
  void StopUser(TypeState& type, absl::Duration timeout);
  void OnUserDone(TypeState* type, int loop, const std::shared_ptr<User>& user);

  LoopExecutor control_;
  std::vector<EventLoopHandle> loops_;
  std::vector<int> loop_users_;
  std::vector<std::unique_ptr<ArrivalDispatcher>> dispatchers_;  // one per loop, used there
  Clock& clock_;
  BehaviorSource behaviors_;
  Options options_;
  std::vector<std::unique_ptr<TypeState>> types_;
  std::unique_ptr<Timer> ramp_timer_;
  std::unique_ptr<Timer> idle_timer_;  // wakes StopAll when the last user is gone
  bool ramp_running_ = false;
  bool paused_ = false;
  bool open_ = false;      // an open phase is under way
  bool stopping_ = false;  // StopAll is under way
  int closing_ = 0;        // dispatchers StopAll waits for
  uint64_t open_plans_ = 0;
  double hatch_rate_ = 0;
  absl::Time ramp_start_;
  int64_t ramp_steps_ = 0;
  int live_users_ = 0;
  int64_t next_user_id_ = 0;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_RUNTIME_USER_POOL_H_
