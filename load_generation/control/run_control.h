#ifndef LOAD_GENERATION_CONTROL_RUN_CONTROL_H_
#define LOAD_GENERATION_CONTROL_RUN_CONTROL_H_

// The one seam between the daemon's runs and everything that steers or watches them: the gRPC
// service, the metrics server and, next, the HTTP API and the web UI. The Daemon implements it;
// tests of those faces use testing/fake_run_control.h.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "load_generation/behavior/run_config.h"
#include "load_generation/control/swarm.h"
#include "load_generation/runtime/run_command.h"
#include "load_generation/runtime/run_status.h"

namespace loadgen {

// Which share of a sharded run a daemon plays. `count` 0: the daemon's own (--shard_count and
// --shard_index); else one of `count` shards, the `index`th (none: the daemon's pod's index).
struct ShardAssignment {
  int count = 0;
  std::optional<int> index;
};

// Thread-safe: every method may be called from any thread at once.
class RunControl {
 public:
  virtual ~RunControl() = default;

  // A config given in a call, checked as `loadgen --check` does; `name` names it in messages.
  // The files it names must be in the config directory.
  virtual absl::StatusOr<RunConfig> ConfigFromText(const std::string& text,
                                                   const std::string& name) const = 0;
  // A config file in the config directory (a relative path starts there), and its files; errors
  // give the place of a parse error, never the file's content.
  virtual absl::StatusOr<RunConfig> ConfigFromFile(const std::string& path) const = 0;
  // The config in force.
  virtual RunConfig config() const = 0;

  // Starts a run of `config` (which becomes the config in force), else of the config in force.
  // Phase 0 begins at `at` (now if past); the run ends after `run_time` (0: the config's
  // run_time_s; 0 there too: no limit); the run is this daemon's share of `shards`.
  // FailedPrecondition while a run is under way or when the daemon's index does not fit the
  // shard count; InvalidArgument if the config has no target or the index is out of range.
  virtual absl::Status Start(std::optional<RunConfig> config, absl::Time at,
                             absl::Duration run_time, ShardAssignment shards) = 0;
  // Locust's /swarm: on an idle daemon, starts a run of the config in force made one phase (see
  // SwarmConfig), now, for `settings.run_time`, as this daemon's share of `shards`; the config
  // in force stays as it was. While a run is under way, sets its user count (as
  // OverrideUserCount) and nothing else. InvalidArgument when the swarm's config does not
  // validate (as ConfigFromText's).
  virtual absl::Status Swarm(const SwarmSettings& settings, ShardAssignment shards) = 0;
  // Ends the run and returns once it is over; users get `timeout` (else the config's stop
  // timeout) to finish their task. FailedPrecondition when idle.
  virtual absl::Status Stop(std::optional<absl::Duration> timeout) = 0;
  // Steers the run under way (see RunCommand); FailedPrecondition when there is none.
  virtual absl::Status Control(const RunCommand& command) = 0;
  // Makes `config` the config in force; a run under way takes it now or at the end of the
  // phase under way. InvalidArgument if it would move a run to another target.
  virtual absl::Status Reload(RunConfig config, bool at_boundary) = 0;
  // Forgets the figures so far. FailedPrecondition before the first run.
  virtual absl::Status ResetStats() = 0;

  virtual DaemonStatus Status() = 0;
  virtual RunPosition Position() = 0;
  virtual StatsSnapshot Stats() = 0;
  virtual StatsTotals Totals() = 0;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_RUN_CONTROL_H_
