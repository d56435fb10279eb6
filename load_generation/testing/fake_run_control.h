#ifndef LOAD_GENERATION_TESTING_FAKE_RUN_CONTROL_H_
#define LOAD_GENERATION_TESTING_FAKE_RUN_CONTROL_H_

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "load_generation/control/run_control.h"

namespace loadgen {

// A RunControl that runs nothing: it records each call and answers with what the test set.
// Thread-safe, as the seam must be.
class FakeRunControl : public RunControl {
 public:
  // What a call did, for the test to check.
  struct Call {
    std::string verb;  // "Start", "Stop", "Control", "Reload", "ResetStats", ...
    std::optional<RunConfig> config;
    absl::Time at;
    absl::Duration duration;  // Start's run time, Stop's timeout
    std::optional<RunCommand> command;
    bool at_boundary = false;
    ShardAssignment shards;  // Start's, Swarm's
    SwarmSettings swarm;     // Swarm's
  };

  // Every verb answers `status` from now on (OK by default).
  void Answer(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_ = std::move(status);
  }
  void SetStatus(DaemonStatus status) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = std::move(status);
  }
  void SetStats(StatsSnapshot stats) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_ = std::move(stats);
  }
  void SetTotals(StatsTotals totals) {
    std::lock_guard<std::mutex> lock(mu_);
    totals_ = std::move(totals);
  }
  void SetConfig(RunConfig config) {
    std::lock_guard<std::mutex> lock(mu_);
    config_ = std::move(config);
  }
  std::vector<Call> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

  absl::StatusOr<RunConfig> ConfigFromText(const std::string& text,
                                           const std::string& name) const override {
    RunConfig config;
    config.path = name;
    config.config.set_host(text);  // the text stands for the config; tests look for it
    return config;
  }
  absl::StatusOr<RunConfig> ConfigFromFile(const std::string& path) const override {
    RunConfig config;
    config.path = path;
    return config;
  }
  RunConfig config() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return config_;
  }
  absl::Status Start(std::optional<RunConfig> config, absl::Time at, absl::Duration run_time,
                     ShardAssignment shards) override {
    return Record({.verb = "Start",
                   .config = std::move(config),
                   .at = at,
                   .duration = run_time,
                   .shards = shards});
  }
  absl::Status Swarm(const SwarmSettings& settings, ShardAssignment shards) override {
    return Record(
        {.verb = "Swarm", .duration = settings.run_time, .shards = shards, .swarm = settings});
  }
  absl::Status Stop(std::optional<absl::Duration> timeout) override {
    return Record({.verb = "Stop", .duration = timeout.value_or(absl::ZeroDuration())});
  }
  absl::Status Control(const RunCommand& command) override {
    return Record({.verb = "Control", .command = command});
  }
  absl::Status Reload(RunConfig config, bool at_boundary) override {
    return Record({.verb = "Reload", .config = std::move(config), .at_boundary = at_boundary});
  }
  absl::Status ResetStats() override { return Record({.verb = "ResetStats"}); }
  DaemonStatus Status() override {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }
  RunPosition Position() override {
    std::lock_guard<std::mutex> lock(mu_);
    return status_.position;
  }
  StatsSnapshot Stats() override {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }
  StatsTotals Totals() override {
    std::lock_guard<std::mutex> lock(mu_);
    return totals_;
  }

 private:
  absl::Status Record(Call call) {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(std::move(call));
    return answer_;
  }

  mutable std::mutex mu_;
  absl::Status answer_;      // guarded by mu_
  DaemonStatus status_;      // guarded by mu_
  StatsSnapshot stats_;      // guarded by mu_
  StatsTotals totals_;       // guarded by mu_
  RunConfig config_;         // guarded by mu_
  std::vector<Call> calls_;  // guarded by mu_
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_TESTING_FAKE_RUN_CONTROL_H_
