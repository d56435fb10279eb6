#ifndef LOAD_GENERATION_RUNTIME_SCHEDULER_H_
#define LOAD_GENERATION_RUNTIME_SCHEDULER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "load_generation/clock/clock.h"
#include "load_generation/config/config.h"
#include "load_generation/plan/arrivals.h"
#include "load_generation/plan/plan.h"
#include "load_generation/runtime/run_command.h"
#include "load_generation/runtime/run_status.h"
#include "load_generation/runtime/user_pool.h"
#include "load_generation/stats/stats.h"

namespace loadgen {

// The users of each type that phase `phase` wants on shard `shard_index` of `shard_count`: the
// exact split of num_users by ratio, then this shard's exact share of each type.
std::vector<UserTypeTarget> PhaseTargets(const LoadConfig& config, int phase, int shard_index,
                                         int shard_count);

// Moves a run through the config's phases on the clock: at each occurrence's start it gives the
// user pool the phase's targets and hatch rate and opens the occurrence's stats. When the run is
// over (loops done, deadline reached, or Stop) it stops every user and closes the stats.
// Runs on the control executor; all methods are called there.
class Scheduler {
 public:
  struct Options {
    absl::Time start;                              // when phase 0 begins
    absl::Time deadline = absl::InfiniteFuture();  // the run ends then, mid-phase if need be
    int shard_index = 0;
    int shard_count = 1;
  };

  Scheduler(const LoopExecutor& control, Clock& clock, const LoadConfig& config, UserPool& pool,
            Stats& stats, Options options);

  // The whole run; completes when every user is gone.
  Awaitable<void> Run();
  // Ends the run now: the phase under way is cut short and users stop, with `stop_timeout` (else
  // the pool's) to finish their task.
  void Stop(std::optional<absl::Duration> stop_timeout = std::nullopt);
  // Stops the run as Stop does, giving users no time: what they have in flight is cancelled.
  void CutStop();

  // Starts phase `phase` of the current loop now; the phases after it follow on schedule.
  // InvalidArgument for a phase the config does not have, FailedPrecondition when no phase is
  // under way.
  absl::Status JumpTo(int phase);
  // Stops the phase clock; users finish their task and idle. FailedPrecondition if not running
  // or paused already.
  absl::Status Pause();
  // Starts the clock again: the phase under way ends as much later as the pause lasted (the
  // run's deadline does not move). FailedPrecondition if not paused.
  absl::Status Resume();
  // Runs `users` users (split by `ratios`, one per user type of the phase, or by the phase's own
  // ratios when empty) instead of the phase's num_users, until the next phase begins or
  // ClearOverride. InvalidArgument for bad numbers, FailedPrecondition when no phase runs.
  // In an open phase: FailedPrecondition (set its rate instead).
  absl::Status OverrideUsers(int users, const std::vector<int>& ratios);
  // Runs the open phase under way at `per_s` arrivals a second (all shards together) from now
  // until the next phase begins or ClearOverride. InvalidArgument for a rate out of (0,
  // 1000000], FailedPrecondition when no phase runs or the phase is closed.
  absl::Status OverrideRate(double per_s);
  // Back to the phase's own user count or rate.
  absl::Status ClearOverride();
  // Any of the above, as a command.
  absl::Status Apply(const RunCommand& command);
  // Replaces the config (validated by the caller) and the behaviours that play its user types.
  // At once (`at_boundary` false): the phase under way starts afresh as the new config's phase
  // of the same index (phase 0 if it has fewer phases), as JumpTo does. At the boundary: the
  // phase under way ends on schedule, then the new config's next phase follows. Either way the
  // loop number carries on. FailedPrecondition when no phase is under way.
  absl::Status Reload(LoadConfig config, BehaviorSource behaviors, bool at_boundary);
  bool reload_pending() const { return pending_.has_value(); }

  // How long the phase under way has run and has left (frozen while paused); zeros if none.
  PhaseProgress Progress() const;

  bool paused() const { return paused_; }
  // The user count that OverrideUsers set, if it is in force.
  std::optional<int> override_users() const { return override_users_; }
  // The rate that OverrideRate set, if it is in force.
  std::optional<double> override_rate() const { return override_rate_; }
  // The arrival rate the open phase under way asks for now, all shards together; 0 when none.
  double ArrivalRateNow() const;

  // The occurrence under way, if any.
  std::optional<PhaseOccurrence> current() const { return current_; }
  const LoadConfig& config() const { return config_; }

 private:
  void BeginPhase(const PhaseOccurrence& occurrence);
  // This shard's targets for `users` users of `phase` split by `ratios` (the phase's if empty).
  std::vector<UserTypeTarget> ShardTargets(const PhaseConfig& phase, int users,
                                           const std::vector<int>& ratios) const;
  void ApplyTargets(const PhaseConfig& phase, const std::vector<UserTypeTarget>& targets);
  // Serves the open phase `phase` at `rate`, whose time 0 is `start`, from `from` on.
  void ApplyOpen(const PhaseConfig& phase, const ArrivalRate& rate, absl::Time start,
                 absl::Time from);
  // This shard's share of the open phase's max_users.
  int ShardMaxBusy(const PhaseConfig& phase) const;
  absl::Status RequireRunning() const;
  // Has Run begin occurrence `n` now (ending a pause), the ones after it following on schedule.
  void BeginNow(int64_t n);
  // Makes `config` the one in force, with a timeline on which occurrence `n` begins at `start`.
  void UseConfig(LoadConfig config, BehaviorSource behaviors, int64_t n, absl::Time start);

  Clock& clock_;
  LoadConfig config_;
  UserPool& pool_;
  Stats& stats_;
  Options options_;
  std::unique_ptr<Timer> timer_;
  std::optional<PhaseTimeline> timeline_;
  std::optional<PhaseOccurrence> current_;
  std::optional<int64_t> jump_to_;  // the occurrence to begin now
  std::optional<int> override_users_;
  std::optional<double> override_rate_;
  struct PendingReload {
    LoadConfig config;
    BehaviorSource behaviors;
  };
  std::optional<PendingReload> pending_;  // applied at the end of the phase under way
  std::optional<absl::Duration> stop_timeout_;
  bool stop_requested_ = false;
  bool paused_ = false;
  absl::Time paused_at_;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_RUNTIME_SCHEDULER_H_
