#ifndef LOAD_GENERATION_RUNTIME_RUN_COMMAND_H_
#define LOAD_GENERATION_RUNTIME_RUN_COMMAND_H_

// The commands that steer a run under way. One value type carries them from a caller (the
// control service, a script) through the controller and the engine to the scheduler, which
// alone knows what each does: a new command is a new alternative here and its case in
// Scheduler::Apply, with nothing to forward in between.

#include <variant>
#include <vector>

namespace loadgen {

// Starts phase `phase` of the current loop now (see Scheduler::JumpTo).
struct JumpToPhase {
  int phase = 0;
};
// Stops the phase clock; users finish their task and idle.
struct PauseRun {};
// Starts the phase clock again.
struct ResumeRun {};
// Runs `users` users, split by `ratios` (empty: the phase's own), until the next phase.
struct OverrideUserCount {
  int users = 0;
  std::vector<int> ratios;
};
// Runs the open phase under way at `per_s` arrivals a second (all shards), until the next phase.
struct OverrideArrivalRate {
  double per_s = 0;
};
// Back to the phase's own user count, or arrival rate.
struct ClearUserOverride {};

using RunCommand = std::variant<JumpToPhase, PauseRun, ResumeRun, OverrideUserCount,
                                OverrideArrivalRate, ClearUserOverride>;

}  // namespace loadgen

#endif  // LOAD_GENERATION_RUNTIME_RUN_COMMAND_H_
