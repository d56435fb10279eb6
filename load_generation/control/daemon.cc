#include "load_generation/control/daemon.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "load_generation/config/config.h"
#include "load_generation/report/thresholds.h"
#include "load_generation/runtime/thresholds.h"

namespace loadgen {

Daemon::Daemon(RunConfig config, DaemonOptions options, Clock& clock)
    : options_(std::move(options)), clock_(clock), config_(WithHost(std::move(config))) {}

RunConfig Daemon::WithHost(RunConfig config) const {
  if (!options_.host.empty()) config.config.set_host(options_.host);
  return config;
}

Daemon::~Daemon() {
  std::shared_ptr<Engine> engine;
  {
    std::lock_guard<std::mutex> lock(mu_);
    engine = std::move(engine_);
  }
  // The engine's destructor stops a run under way and waits for it.
}

absl::StatusOr<RunConfig> Daemon::ConfigFromText(const std::string& text,
                                                 const std::string& name) const {
  absl::StatusOr<LoadConfig> parsed = ParseLoadConfig(text, name);
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<RunConfig> config =
      ResolveRunConfig(*std::move(parsed), name, options_.application,
                       {.dir = options_.config_dir, .confined_to = options_.config_dir});
  if (!config.ok()) return config.status();
  return WithHost(*std::move(config));
}

absl::StatusOr<RunConfig> Daemon::ConfigFromFile(const std::string& path) const {
  absl::StatusOr<RunConfig> config = LoadRunConfig(path, options_.application, options_.config_dir);
  if (!config.ok()) return config.status();
  return WithHost(*std::move(config));
}

absl::StatusOr<EngineOptions> Daemon::MakeEngineOptions(const RunConfig& run,
                                                        ShardAssignment shards) const {
  int shard_index = options_.shard_index;
  int shard_count = shards.count;
  if (shard_count <= 0) {
    shard_count = options_.shard_count;
  } else if (shards.index) {
    if (*shards.index < 0 || *shards.index >= shard_count) {
      return absl::InvalidArgumentError(
          absl::StrCat("shard index ", *shards.index, " is not in 0..", shard_count - 1));
    }
    shard_index = *shards.index;
  } else if (!options_.pod_index || *options_.pod_index >= shard_count) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot run as one of ", shard_count, " shards: this daemon's index ",
        options_.pod_index ? absl::StrCat("is ", *options_.pod_index)
                           : std::string("is unknown (no --shard_index, JOB_COMPLETION_INDEX or "
                                         "HOSTNAME ordinal)")));
  } else {
    shard_index = *options_.pod_index;
  }
  // A config's own host is --host's when the daemon read it (ConfigFrom*), else it was set on
  // purpose (a /swarm's host); --host stands in for none.
  const std::string& host = run.config.host().empty() ? options_.host : run.config.host();
  if (host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        run.path, ": no target: set `host` in the config or pass --host=http://HOST:PORT"));
  }
  absl::StatusOr<HttpTarget> target = ParseHttpTarget(host);
  if (!target.ok()) return target.status();
  return EngineOptions{
      .threads = options_.threads,
      .seed = options_.seed,
      .http = {.target = *target,
               .connect_timeout = ConnectTimeout(run.config),
               .request_timeout = RequestTimeout(run.config),
               .tls_context = options_.tls_context,
               .tls_verify = options_.tls_verify,
               .max_body_bytes = static_cast<uint64_t>(MaxResponseBodyBytes(run.config)),
               .max_header_bytes = static_cast<uint32_t>(MaxResponseHeaderBytes(run.config))},
      .stop_timeout = StopTimeout(run.config),
      .shard_index = shard_index,
      .shard_count = shard_count,
      .busy_poll = options_.busy_poll};
}

RunState Daemon::StateLocked(const RunStatus& run) const {
  if (!run.running) return listener_pending_ ? RunState::kStopping : RunState::kIdle;
  if (stopped_by_call_) return RunState::kStopping;
  if (run.paused) return RunState::kPaused;
  if (!run.occurrence && clock_.Now() < run.start) return RunState::kScheduled;
  return RunState::kRunning;
}

RunPosition Daemon::PositionLocked(const RunStatus& run) const {
  return {
      .state = StateLocked(run), .run_number = run_number_, .stopped_by_call = stopped_by_call_};
}

void Daemon::RestartWindowLocked(absl::Time now) {
  recent_ = RecentStats();
  recent_.AddSample(now, RequestStats());
  recent_entries_ = RecentEntryRates();
  recent_entries_.AddSample(now, StatsTable());
  last_sample_ = now;
}

absl::Status Daemon::RequireRun() const {
  if (!engine_ || engine_->done()) return absl::FailedPreconditionError("no run is under way");
  if (stopped_by_call_) return absl::FailedPreconditionError("the run is stopping");
  return absl::OkStatus();
}

absl::Status Daemon::Start(std::optional<RunConfig> config, absl::Time at, absl::Duration run_time,
                           ShardAssignment shards) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status started = StartLocked(config ? *config : config_, at, run_time, shards);
      !started.ok()) {
    return started;
  }
  if (config) config_ = *std::move(config);
  return absl::OkStatus();
}

absl::Status Daemon::Swarm(const SwarmSettings& settings, ShardAssignment shards) {
  std::lock_guard<std::mutex> lock(mu_);
  if (RequireRun().ok()) return engine_->Control(OverrideUserCount{.users = settings.user_count});
  absl::StatusOr<LoadConfig> swarm = SwarmConfig(config_.config, settings);
  if (!swarm.ok()) return swarm.status();
  RunConfig run = config_;
  if (absl::Status valid = ValidateLoadConfig(*swarm, run.path, run.application, run.UserTypes());
      !valid.ok()) {
    return valid;
  }
  run.config = *std::move(swarm);
  return StartLocked(run, clock_.Now(), settings.run_time, shards);
}

absl::Status Daemon::StartLocked(const RunConfig& run, absl::Time at, absl::Duration run_time,
                                 ShardAssignment shards) {
  if (engine_ && (!engine_->done() || listener_pending_)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a run is under way (", RunStateName(StateLocked(engine_->Status())), "); stop it first"));
  }
  absl::StatusOr<EngineOptions> engine_options = MakeEngineOptions(run, shards);
  if (!engine_options.ok()) return engine_options.status();
  if (run_time < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the run time must not be negative");
  }
  if (run_time == absl::ZeroDuration()) run_time = absl::Seconds(run.config.run_time_s());
  const absl::Time now = clock_.Now();
  // Further ahead is a mistake of unit (microseconds for milliseconds, say), not a plan.
  if (at - now > kMaxStartAhead) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the start time ", absl::FormatTime(at, absl::UTCTimeZone()), " is more than ",
        absl::FormatDuration(kMaxStartAhead), " ahead (start_at_unix_ms counts milliseconds)"));
  }

  engine_.reset();  // the last run's threads end here
  const absl::Time start = std::max(at, now);
  engine_ = std::make_shared<Engine>(run.config, *engine_options, run.Behaviors(), clock_);
  run_config_ = run.config;
  target_ = engine_options->http.target.Url();
  engine_->Start(start,
                 run_time > absl::ZeroDuration() ? start + run_time : absl::InfiniteFuture());
  ++run_number_;
  stopped_by_call_ = false;
  listener_pending_ = options_.listener != nullptr;
  summarised_.reset();
  aborted_by_.clear();
  counting_since_ = start;
  RestartWindowLocked(now);
  return absl::OkStatus();
}

absl::Status Daemon::Stop(std::optional<absl::Duration> timeout) {
  std::shared_ptr<Engine> engine;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!engine_ || (engine_->done() && !listener_pending_)) {
      return absl::FailedPreconditionError("no run is under way");
    }
    if (!engine_->done()) stopped_by_call_ = true;
    engine = engine_;
  }
  engine->Stop(timeout);
  engine->WaitUntilDone();
  EndRun();
  return absl::OkStatus();
}

void Daemon::CutStop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!engine_ || engine_->done()) return;
  stopped_by_call_ = true;
  engine_->CutStop();
}

void Daemon::EndRun() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!engine_ || !engine_->done() || !listener_pending_) return;
  if (ending_) {
    ended_.wait(lock, [this] { return !listener_pending_; });
    return;
  }
  ending_ = true;
  lock.unlock();
  options_.listener->RunEnded(clock_.Now(), Status(), Totals(), Stats());
  lock.lock();
  ending_ = false;
  listener_pending_ = false;
  ended_.notify_all();
}

absl::Status Daemon::Control(const RunCommand& command) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status ok = RequireRun(); !ok.ok()) return ok;
  return engine_->Control(command);
}

absl::Status Daemon::Reload(RunConfig config, bool at_boundary) {
  std::lock_guard<std::mutex> lock(mu_);
  if (RequireRun().ok()) {
    absl::StatusOr<EngineOptions> engine_options = MakeEngineOptions(config);
    if (!engine_options.ok()) return engine_options.status();
    if (engine_options->http.target.Url() != target_) {
      return absl::InvalidArgumentError(absl::StrCat(
          config.path, ": names target ", engine_options->http.target.Url(),
          " but the run sends to ", target_, "; a run keeps its target: stop it and start again"));
    }
    if (absl::Status reloaded = engine_->Reload(config.config, config.Behaviors(), at_boundary);
        !reloaded.ok()) {
      return reloaded;
    }
    run_config_ = config.config;
  }
  config_ = std::move(config);
  return absl::OkStatus();
}

absl::Status Daemon::ResetStats() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!engine_) return absl::FailedPreconditionError("no run has started yet");
  engine_->ResetStats();
  const absl::Time now = clock_.Now();
  counting_since_ = std::max(now, counting_since_);
  RestartWindowLocked(now);
  return absl::OkStatus();
}

DaemonStatus Daemon::Status() {
  std::lock_guard<std::mutex> lock(mu_);
  DaemonStatus status;
  status.config_source = config_.path;
  status.config_digest = ConfigDigest(config_.config);
  status.application = config_.application;
  status.target = target_;
  if (!engine_) {
    status.position = PositionLocked(RunStatus());
    absl::StatusOr<EngineOptions> engine_options = MakeEngineOptions(config_);
    if (engine_options.ok()) status.target = engine_options->http.target.Url();
    return status;
  }
  const absl::Time now = clock_.Now();
  status.run = engine_->Status();
  status.position = PositionLocked(status.run);
  if (const uint64_t version = engine_->stats().completed_version(); summarised_ != version) {
    const std::vector<PhaseResult> completed = engine_->stats().Completed();
    const std::vector<PhaseRow> rows = PhaseRows(completed, RequestStats());
    summaries_.clear();
    for (size_t i = 0; i < completed.size(); ++i) {
      RequestStats total = completed[i].stats.Total();
      summaries_.push_back({completed[i].occurrence, rows[i], std::move(total.latency_us),
                            std::move(total.corrected_latency_us)});
    }
    summarised_ = version;
  }
  status.completed = summaries_;
  status.phase_total = engine_->stats().Current(now).stats.Total();
  const StatsTable total = engine_->stats().Total();
  status.total = total.Total();
  status.arrivals = total.Arrivals();
  // Current figures as of now, and none while nothing runs (idle, or paused: users idle).
  const RunState state = status.position.state;
  if (state != RunState::kIdle && state != RunState::kPaused) {
    status.recent = recent_.Current(now, status.total);
  }
  const absl::Time end = CountedUntilLocked(status.position.state, status.total.last);
  status.run_elapsed = std::max(end - status.run.start, absl::ZeroDuration());
  const double seconds = absl::ToDoubleSeconds(end - counting_since_);
  status.total_requests_per_s = seconds > 0 ? status.total.requests / seconds : 0;
  status.aborted_by = aborted_by_;
  if (!run_config_.thresholds().empty()) {
    StatsTotals totals = TotalsLocked();
    status.thresholds = EvaluateThresholds(run_config_, totals);
    for (auto& [index, table] : totals.by_phase) {
      status.judged_phases[index] = {
          .name = PhaseName(run_config_, index),
          .open = index < run_config_.phases_size() && IsOpen(run_config_.phases(index)),
          .stats = std::move(table),
          .time = totals.phase_time[index]};
    }
  }
  return status;
}

RunPosition Daemon::Position() {
  std::lock_guard<std::mutex> lock(mu_);
  return PositionLocked(engine_ ? engine_->Status() : RunStatus());
}

StatsSnapshot Daemon::Stats() {
  std::lock_guard<std::mutex> lock(mu_);
  StatsSnapshot snapshot;
  snapshot.now = clock_.Now();
  snapshot.total_since = counting_since_;
  if (!engine_) return snapshot;
  snapshot.completed = engine_->stats().Completed();
  PhaseResult current = engine_->stats().Current(snapshot.now);
  if (engine_->Status().occurrence) snapshot.current = std::move(current);
  snapshot.total = engine_->stats().Total();
  // As Status's current figures: none while nothing runs.
  if (const RunState state = StateLocked(engine_->Status());
      state != RunState::kIdle && state != RunState::kPaused) {
    snapshot.current_rates = recent_entries_.Current();
  }
  return snapshot;
}

StatsTotals Daemon::Totals() {
  std::lock_guard<std::mutex> lock(mu_);
  return TotalsLocked();
}

StatsTotals Daemon::TotalsLocked() const {
  StatsTotals totals;
  if (!engine_) return totals;
  totals.total = engine_->stats().Total();
  totals.by_phase = engine_->stats().PhaseTotals();
  totals.phase_time = engine_->stats().PhaseTimes(clock_.Now());
  const absl::Time end =
      CountedUntilLocked(StateLocked(engine_->Status()), totals.total.Total().last);
  totals.counted = std::max(end - counting_since_, absl::ZeroDuration());
  return totals;
}

absl::Time Daemon::CountedUntilLocked(RunState state, absl::Time last) const {
  return state == RunState::kIdle ? last : clock_.Now();
}

RunConfig Daemon::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

void Daemon::AbortOnFailedThresholdLocked(absl::Time now) {
  if (!aborted_by_.empty()) return;
  LoadConfig judged;
  for (const ThresholdConfig& t : run_config_.thresholds()) {
    if (t.abort_on_fail() && now - counting_since_ >= absl::Seconds(t.abort_delay_s())) {
      *judged.add_thresholds() = t;
    }
  }
  if (judged.thresholds().empty()) return;
  *judged.mutable_phases() = run_config_.phases();
  for (const ThresholdResult& r : EvaluateThresholds(judged, TotalsLocked())) {
    if (r.passed) continue;
    aborted_by_ = ThresholdVerdict(r);
    std::fprintf(stderr, "loadgen: threshold %s failed: stopping the run (abort_on_fail)\n",
                 aborted_by_.c_str());
    engine_->Stop();
    return;
  }
}

void Daemon::Tick() {
  const absl::Time now = clock_.Now();
  bool under_way = false;
  bool sampled = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    under_way = engine_ && !engine_->done();
    if (under_way && now - last_sample_ >= absl::Seconds(1)) {
      const StatsTable total = engine_->stats().Total();
      recent_.AddSample(now, total.Total());
      recent_entries_.AddSample(now, total);
      last_sample_ = now;
      sampled = true;
      AbortOnFailedThresholdLocked(now);
    }
  }
  if (!under_way) {
    EndRun();
  } else if (sampled && options_.listener != nullptr) {
    options_.listener->RunSample(now, Status(), Totals());
  }
}

}  // namespace loadgen
