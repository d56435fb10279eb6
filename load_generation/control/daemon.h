#ifndef LOAD_GENERATION_CONTROL_DAEMON_H_
#define LOAD_GENERATION_CONTROL_DAEMON_H_

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
#include "load_generation/behavior/run_config.h"
#include "load_generation/clock/clock.h"
#include "load_generation/control/run_control.h"
#include "load_generation/runtime/engine.h"
#include "load_generation/stats/stats.h"

namespace loadgen {

struct DaemonOptions {
  std::string application;  // overrides every config's when set (--application)
  std::string host;         // overrides every config's when set (--host)
  // Configs that control calls name, and the files in any config they give, must be in here.
  std::string config_dir = ".";
  int threads = 1;
  absl::Duration busy_poll;  // see EngineOptions
  uint64_t seed = 0;
  boost::asio::ssl::context* tls_context = nullptr;  // for https targets; not owned
  bool tls_verify = true;
  int shard_index = 0;
  int shard_count = 1;
  // The pod's index, if it has one: this daemon's shard when a Start gives the shard count.
  std::optional<int> pod_index;
  RunListener* listener = nullptr;  // not owned
};

// The run controller: the daemon's runs, one at a time. Holds the config in force, starts a run
// of it on an Engine, steers the run and keeps its results until the next start. Thread-safe:
// gRPC handlers, the signal thread and the status printer call it at once.
class Daemon final : public RunControl {
 public:
  Daemon(RunConfig config, DaemonOptions options, Clock& clock);
  // Stops a run under way and waits for it.
  ~Daemon() override;

  absl::StatusOr<RunConfig> ConfigFromText(const std::string& text,
                                           const std::string& name) const override;
  absl::StatusOr<RunConfig> ConfigFromFile(const std::string& path) const override;
  RunConfig config() const override;
  // Starts at `at` (now if past), at most kMaxStartAhead ahead.
  absl::Status Start(std::optional<RunConfig> config, absl::Time at, absl::Duration run_time,
                     ShardAssignment shards) override;
  static constexpr absl::Duration kMaxStartAhead = absl::Hours(7 * 24);
  absl::Status Swarm(const SwarmSettings& settings, ShardAssignment shards) override;
  absl::Status Stop(std::optional<absl::Duration> timeout) override;
  absl::Status Control(const RunCommand& command) override;
  absl::Status Reload(RunConfig config, bool at_boundary) override;
  absl::Status ResetStats() override;
  DaemonStatus Status() override;
  RunPosition Position() override;
  StatsSnapshot Stats() override;
  StatsTotals Totals() override;

  // Ends a run that is stopping (or under way) now: users are cancelled and their requests in
  // flight counted as cancelled at stop. A Stop under way then returns.
  void CutStop();

  // Takes a sample for the last-10-s figures when a second has passed (and gives the listener
  // one), and tells the listener when a run has ended by itself; call often (the main loop does,
  // every 200 ms).
  void Tick();

 private:
  absl::StatusOr<EngineOptions> MakeEngineOptions(const RunConfig& config,
                                                  ShardAssignment shards = {}) const;
  // `config` with --host's target, if the daemon has one.
  RunConfig WithHost(RunConfig config) const;
  // mu_ held. The run's state; kIdle when there is none.
  RunState StateLocked(const RunStatus& run) const;
  RunPosition PositionLocked(const RunStatus& run) const;  // mu_ held
  // mu_ held. Starts the last-10-s window afresh at `now`.
  void RestartWindowLocked(absl::Time now);
  absl::Status RequireRun() const;  // mu_ held
  // mu_ held. Starts a run of `run`, which Start then makes the config in force.
  absl::Status StartLocked(const RunConfig& run, absl::Time at, absl::Duration run_time,
                           ShardAssignment shards);
  // Tells the listener that the run is over, once, if it is; returns when that is done, even if
  // another thread does it.
  void EndRun();
  // mu_ held. Where the figures of a run in `state` whose last request was at `last` end: now
  // while it is under way, that request once it is over.
  absl::Time CountedUntilLocked(RunState state, absl::Time last) const;
  StatsTotals TotalsLocked() const;  // mu_ held
  // mu_ held. Stops the run if one of its abort_on_fail thresholds fails, past its delay.
  void AbortOnFailedThresholdLocked(absl::Time now);

  const DaemonOptions options_;
  Clock& clock_;
  mutable std::mutex mu_;
  RunConfig config_;                 // guarded by mu_
  LoadConfig run_config_;            // guarded by mu_; the run's (a swarm's differs)
  std::shared_ptr<Engine> engine_;   // guarded by mu_; the current or last run
  std::string target_;               // guarded by mu_; the run's
  int64_t run_number_ = 0;           // guarded by mu_
  bool stopped_by_call_ = false;     // guarded by mu_
  bool listener_pending_ = false;    // guarded by mu_; the run's RunEnded has not returned yet
  bool ending_ = false;              // guarded by mu_; a thread is in RunEnded
  std::condition_variable ended_;    // signalled when listener_pending_ turns false
  absl::Time counting_since_;        // guarded by mu_; start of the run or last reset
  RecentStats recent_;               // guarded by mu_
  RecentEntryRates recent_entries_;  // guarded by mu_
  absl::Time last_sample_;           // guarded by mu_
  std::string aborted_by_;           // guarded by mu_; see DaemonStatus::aborted_by
  // The run's completed phases summarised, as of Stats::completed_version() `summarised_`.
  std::vector<DaemonStatus::CompletedPhase> summaries_;  // guarded by mu_
  std::optional<uint64_t> summarised_;                   // guarded by mu_; none: redo
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_DAEMON_H_
