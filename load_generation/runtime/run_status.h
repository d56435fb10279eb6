#ifndef LOAD_GENERATION_RUNTIME_RUN_STATUS_H_
#define LOAD_GENERATION_RUNTIME_RUN_STATUS_H_

// Plain snapshots of a run and of the daemon that runs them: where a run is, its users and its
// figures. No Boost and no threads: reports, the control service and the CLI read these without
// linking the runtime.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "load_generation/config/config.h"
#include "load_generation/plan/plan.h"
#include "load_generation/stats/phase_summary.h"
#include "load_generation/stats/stats.h"

namespace loadgen {

// How many users of a type there are and are wanted.
struct UserTypeCounts {
  std::string name;
  int target = 0;
  int active = 0;    // running and not told to stop
  int stopping = 0;  // told to stop, finishing their task
};

// How long the phase under way has run and has left (frozen while paused); zeros if none.
struct PhaseProgress {
  absl::Duration elapsed;
  absl::Duration remaining;
};

// Where one run is.
struct RunStatus {
  bool running = false;  // started and not over yet (phase 0 may still be ahead)
  bool paused = false;
  bool reload_pending = false;          // a reload waits for the end of the phase under way
  absl::Time start;                     // when phase 0 begins or began
  PhaseProgress progress;               // of the phase under way
  std::optional<int> override_users;    // set by OverrideUsers, until the next phase
  std::optional<double> override_rate;  // set by OverrideRate, until the next phase
  double arrival_rate_per_s = 0;        // this shard's, now, in an open phase
  std::optional<PhaseOccurrence> occurrence;
  std::string phase_name;
  std::vector<UserTypeCounts> users;
};

enum class RunState { kIdle, kScheduled, kRunning, kPaused, kStopping };
const char* RunStateName(RunState state);

// Where the daemon's runs stand, without figures: cheap enough to poll often.
struct RunPosition {
  RunState state = RunState::kIdle;
  int64_t run_number = 0;        // runs started so far
  bool stopped_by_call = false;  // the last run ended (or ends) through Stop, not by itself
};

// A threshold of the config (an SLO) as the figures so far meet it (see EvaluateThresholds).
struct ThresholdResult {
  ThresholdConfig threshold;
  // The metric's value, in its unit (ms, ratio, requests/s); none when there was nothing to
  // measure, which fails the threshold.
  std::optional<double> value;
  bool passed = false;
};

// The daemon's status: the config in force and the current or last run with its figures.
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
  std::map<std::string, ArrivalCounts, std::less<>> arrivals;  // likewise, by user type
  double total_requests_per_s = 0;
  struct CompletedPhase {
    PhaseOccurrence occurrence;
    PhaseRow row;
    LatencyHistogram latency_us;  // behind the row's percentiles
    LatencyHistogram corrected_latency_us;
  };
  std::vector<CompletedPhase> completed;    // oldest first
  RequestStats phase_total;                 // of the phase occurrence under way
  std::vector<ThresholdResult> thresholds;  // the config's, on the run's figures so far
  // What the thresholds were judged on, by phase index (only when the config has thresholds):
  // for judging the merged figures of shards.
  struct JudgedPhase {
    std::string name;
    bool open = false;
    StatsTable stats;     // every occurrence of the phase
    absl::Duration time;  // how long it ran
  };
  std::map<int, JudgedPhase> judged_phases;
  // The abort_on_fail threshold that ended the run, e.g. "p99 < 500 ms (612.5 ms)"; empty if
  // none did.
  std::string aborted_by;
};

// The current or last run's statistics by phase occurrence.
struct StatsSnapshot {
  std::vector<PhaseResult> completed;
  std::optional<PhaseResult> current;
  StatsTable total;
  absl::Time total_since;  // when the total began counting
  absl::Time now;
  RecentEntryRates::Rates current_rates;  // of the total's entries, over the last 10 s
};

// The current or last run's figures since it began or the last ResetStats.
struct StatsTotals {
  StatsTable total;
  std::map<int, StatsTable> by_phase;        // per phase index (see Stats::PhaseTotals)
  std::map<int, absl::Duration> phase_time;  // how long each ran (see Stats::PhaseTimes)
  absl::Duration counted;  // the time they cover: to now, or to a run's last request
};

// Told of each run's progress and end, e.g. to write its result files.
class RunListener {
 public:
  virtual ~RunListener() = default;
  // About once a second while a run is under way.
  virtual void RunSample(absl::Time now, const DaemonStatus& status, const StatsTotals& totals) = 0;
  // Once, when a run is over; the daemon shows the run as stopping until this returns, so
  // whoever sees it idle (or sees Stop return) finds what this wrote.
  virtual void RunEnded(absl::Time now, const DaemonStatus& status, const StatsTotals& totals,
                        const StatsSnapshot& stats) = 0;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_RUNTIME_RUN_STATUS_H_
