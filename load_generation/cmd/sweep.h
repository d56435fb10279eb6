#ifndef LOAD_GENERATION_CMD_SWEEP_H_
#define LOAD_GENERATION_CMD_SWEEP_H_

// `loadgenctl sweep`: an experiment file's test matrix run scenario by scenario against a daemon
// or a set of shards, through their control service like any script, with a summary of each
// (summary.csv, summary.md) that decides capacity.

#include <atomic>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "load_generation/config/config.h"
#include "load_generation/control/shard_set.h"
#include "proto/experiment.pb.h"

namespace loadgen {

using Experiment = ::pl::demos::load_generation::Experiment;
using CapacitySearch = ::pl::demos::load_generation::CapacitySearch;

// Reads and checks an experiment file: syntax errors with FILE:LINE:COLUMN, rule errors with
// the field's path (axes[1].values[0]: ...), all in one InvalidArgument.
absl::StatusOr<Experiment> ReadExperiment(const std::string& path);

// One scenario: a value for each axis, in the axes' order.
using Scenario = std::vector<std::pair<std::string, std::string>>;

// Every combination of the axes' values, the first axis varying slowest.
std::vector<Scenario> Scenarios(const Experiment& experiment);

// `command` with each {AXIS} replaced by the scenario's value.
std::string SetupCommand(const std::string& command, const Scenario& scenario);

// The config a scenario runs: `base` with its axes applied ("users", "arrival_rate_per_s"), the
// experiment's thresholds instead of its own, looping until stopped.
LoadConfig ScenarioConfig(const LoadConfig& base, const Experiment& experiment,
                          const Scenario& scenario);

// What a scenario gave.
struct ScenarioResult {
  Scenario scenario;
  double rps = 0;
  double median_ms = 0, p95_ms = 0, p99_ms = 0;
  double failures_pct = 0;
  int64_t requests = 0;
  double duration_s = 0;
  std::string timestamp;  // ISO 8601 UTC, when the measurement ended
  std::string status;     // PASS, FAIL (thresholds), OK (none), SETUP_FAILED, ERROR
  std::string detail;     // why it failed: the setup's stderr, the error, the failed thresholds
};

// summary.csv: a column per axis (named after it), then RPS, Median_ms, P95_ms, P99_ms,
// Failures_Pct, Total_Requests, Duration_s, Timestamp, Status, Detail.
std::string SummaryCsv(const Experiment& experiment, const std::vector<ScenarioResult>& results);
// The rows of a summary.csv written before (to resume a sweep); InvalidArgument when its columns
// are not those of `experiment`.
absl::StatusOr<std::vector<ScenarioResult>> ReadSummaryCsv(const Experiment& experiment,
                                                           const std::string& text);
// summary.md: the experiment, the matrix, the best throughput, the best latency, and where
// latency or failures broke.
std::string SummaryMarkdown(const std::string& experiment_path, const Experiment& experiment,
                            const std::vector<ScenarioResult>& results);

// summary.html: throughput and p95 latency against the load axis ("users" or
// "arrival_rate_per_s", else the first), one line per combination of the other axes, as inline
// SVG, and the matrix; nothing fetched.
std::string SummaryHtml(const std::string& experiment_path, const Experiment& experiment,
                        const std::vector<ScenarioResult>& results);

struct SweepOptions {
  std::string experiment_path;
  std::string out_dir;
  std::FILE* log = stderr;  // a line per scenario
  // Set from another thread (a signal) to stop the scenario under way and end the sweep.
  const std::atomic<bool>* interrupted = nullptr;
};

// Runs every scenario not in out_dir/summary.csv yet, rewriting summary.csv, summary.md and
// summary.html after each. Never leaves load running: an error or an interruption stops the
// scenario under way.
absl::Status RunSweep(const SweepOptions& options, ShardSet& shards);

// Searches for the largest load (the experiment's `search`) that meets its thresholds, and writes
// the answer with its bracket and the curve of the steps (capacity.csv, capacity.md,
// capacity.html) in out_dir.
absl::Status FindCapacity(const SweepOptions& options, ShardSet& shards);

}  // namespace loadgen

#endif  // LOAD_GENERATION_CMD_SWEEP_H_
