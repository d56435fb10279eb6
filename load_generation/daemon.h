#ifndef LOAD_GENERATION_DAEMON_H_
#define LOAD_GENERATION_DAEMON_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/ssl/context.hpp"
#include "load_generation/clock.h"
#include "load_generation/engine.h"
#include "load_generation/report.h"
#include "load_generation/run_config.h"
#include "load_generation/stats.h"

namespace loadgen {

class Daemon;

// Told of each run's progress and end, e.g. to write its result files. Called without the
// daemon's lock held, so it may call the daemon's readers (Status, Totals, Stats, Position).
class RunListener {
 public:
  virtual ~RunListener() = default;
  // From each Daemon::Tick while a run is under way.
  virtual void RunTick(Daemon& daemon, absl::Time now) = 0;
  // Once, when a run is over; the daemon shows the run as stopping until this returns, so
  // whoever sees it idle (or sees Stop return) finds what this wrote.
  virtual void RunEnded(Daemon& daemon, absl::Time now) = 0;
};

struct DaemonOptions {
  std::string application;  // overrides every config's when set (--application)
  std::string host;         // overrides every config's when set (--host)
  int threads = 1;
  uint64_t seed = 0;
  boost::asio::ssl::context* tls_context = nullptr;  // for https targets; not owned
  bool tls_verify = true;
  int shard_index = 0;
  int shard_count = 1;
  RunListener* listener = nullptr;  // not owned
};

enum class RunState { kIdle, kScheduled, kRunning, kPaused, kStopping };
const char* RunStateName(RunState state);

// Where the daemon's runs stand, without figures: cheap enough to poll often.
struct RunPosition {
  RunState state = RunState::kIdle;
  int64_t run_number = 0;        // runs started so far
  bool stopped_by_call = false;  // the last run ended (or ends) through Stop, not by itself
};

struct DaemonStatus {
  RunPosition position;
  std::string config_source;  // the path of the config in force, or "inline"
  std::string config_digest;
  std::string application;
  std::string target;
  RunStatus run;                // of the current or last run; empty before the first
  absl::Duration run_elapsed;   // since phase 0 began (to its end, once over)
  RecentStats::Figures recent;  // the last 10 s
  RequestStats total;           // since the run began or the last ResetStats
  double total_requests_per_s = 0;
  struct CompletedPhase {
    PhaseOccurrence occurrence;
    PhaseRow row;
  };
  std::vector<CompletedPhase> completed;  // oldest first
  RequestStats phase_total;               // of the phase occurrence under way
};

struct StatsSnapshot {
  std::vector<PhaseResult> completed;
  std::optional<PhaseResult> current;
  StatsTable total;
  absl::Time total_since;  // when the total began counting
  absl::Time now;
};

// The current or last run's figures since it began or the last ResetStats.
struct StatsTotals {
  StatsTable total;
  std::map<int, StatsTable> by_phase;  // per phase index (see Stats::PhaseTotals)
  absl::Duration counted;              // the time they cover: to now, or to a run's last request
};

// The daemon's runs, one at a time: holds the config in force, starts a run of it on an Engine,
// steers the run and keeps its results until the next start. Thread-safe: gRPC handlers, the
// signal thread and the status printer call it at once.
class Daemon {
 public:
  Daemon(RunConfig config, DaemonOptions options, Clock& clock);
  // Stops a run under way and waits for it.
  ~Daemon();

  // A config given in a call, checked as `loadgen --check` does; `name` names it in messages.
  absl::StatusOr<RunConfig> ConfigFromText(const std::string& text, const std::string& name) const;
  absl::StatusOr<RunConfig> ConfigFromFile(const std::string& path) const;

  // Starts a run of `config` (which becomes the config in force), else of the config in force.
  // Phase 0 begins at `at` (now if past); the run ends after `run_time` (0: the config's
  // run_time_s; 0 there too: no limit). FailedPrecondition while a run is under way;
  // InvalidArgument if the config has no target.
  absl::Status Start(std::optional<RunConfig> config, absl::Time at,
                     absl::Duration run_time = absl::ZeroDuration());
  // Ends the run and returns once it is over; users get `timeout` (else the config's stop
  // timeout) to finish their task. FailedPrecondition when idle.
  absl::Status Stop(std::optional<absl::Duration> timeout = std::nullopt);
  // The run's controls (see Scheduler); FailedPrecondition when no run is under way.
  absl::Status JumpTo(int phase);
  absl::Status Pause();
  absl::Status Resume();
  absl::Status OverrideUsers(int users, const std::vector<int>& ratios);
  absl::Status ClearOverride();
  // Makes `config` the config in force; a run under way takes it now or at the end of the
  // phase under way. InvalidArgument if it would move a run to another target.
  absl::Status Reload(RunConfig config, bool at_boundary);
  // FailedPrecondition before the first run.
  absl::Status ResetStats();

  DaemonStatus Status();
  RunPosition Position();
  StatsSnapshot Stats();
  StatsTotals Totals();
  // The config in force.
  RunConfig config() const;

  // Takes a sample for the last-10-s figures when a second has passed, ticks the listener, and
  // tells it when a run has ended by itself; call often (the main loop does, every 200 ms).
  void Tick();

 private:
  absl::StatusOr<EngineOptions> MakeEngineOptions(const RunConfig& config) const;
  // mu_ held. The run's state; kIdle when there is none.
  RunState StateLocked(const RunStatus& run) const;
  RunPosition PositionLocked(const RunStatus& run) const;  // mu_ held
  // mu_ held. Starts the last-10-s window afresh at `now`.
  void RestartWindowLocked(absl::Time now);
  absl::Status RequireRun() const;  // mu_ held
  // Tells the listener that the run is over, once, if it is; returns when that is done, even if
  // another thread does it.
  void EndRun();
  // mu_ held. Where the figures of a run in `state` whose last request was at `last` end: now
  // while it is under way, that request once it is over.
  absl::Time CountedUntilLocked(RunState state, absl::Time last) const;
  // Calls `control` on the run's engine; FailedPrecondition without a run under way.
  template <typename Fn>
  absl::Status Control(Fn control);

  const DaemonOptions options_;
  Clock& clock_;
  mutable std::mutex mu_;
  RunConfig config_;                // guarded by mu_
  std::shared_ptr<Engine> engine_;  // guarded by mu_; the current or last run
  std::string target_;              // guarded by mu_; the run's
  int64_t run_number_ = 0;          // guarded by mu_
  bool stopped_by_call_ = false;    // guarded by mu_
  bool listener_pending_ = false;   // guarded by mu_; the run's RunEnded has not returned yet
  bool ending_ = false;             // guarded by mu_; a thread is in RunEnded
  std::condition_variable ended_;   // signalled when listener_pending_ turns false
  absl::Time counting_since_;       // guarded by mu_; start of the run or last reset
  RecentStats recent_;              // guarded by mu_
  absl::Time last_sample_;          // guarded by mu_
  // The run's completed phases summarised, as of Stats::completed_version() `summarised_`.
  std::vector<DaemonStatus::CompletedPhase> summaries_;  // guarded by mu_
  std::optional<uint64_t> summarised_;                   // guarded by mu_; none: redo
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_DAEMON_H_
