#include "load_generation/runtime/scheduler.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace loadgen {

namespace {

std::vector<UserTypeTarget> Targets(const PhaseConfig& p, int users, std::vector<int> ratios,
                                    int shard_index, int shard_count) {
  if (ratios.empty()) {
    for (const UserTypeConfig& type : p.user_types()) ratios.push_back(type.ratio());
  }
  std::vector<int> counts = ShardShare(SplitByRatio(users, ratios), shard_index, shard_count);
  std::vector<UserTypeTarget> targets;
  for (int i = 0; i < p.user_types_size(); ++i) {
    const UserTypeConfig& type = p.user_types(i);
    targets.push_back({type.name(), counts[i], type.min_wait_ms(), type.max_wait_ms()});
  }
  return targets;
}

// The rate of an open phase, as its (validated) config asks.
ArrivalRate PhaseRate(const PhaseConfig& p) {
  ArrivalDistribution distribution = ArrivalDistribution::kFixed;
  if (p.arrival_distribution() == PhaseConfig::EXPONENTIAL) {
    distribution = ArrivalDistribution::kExponential;
  } else if (p.arrival_distribution() == PhaseConfig::NORMAL) {
    distribution = ArrivalDistribution::kNormal;
  } else if (p.arrival_distribution() == PhaseConfig::ZIPF) {
    distribution = ArrivalDistribution::kZipf;
  }
  return {.start_per_s = p.arrival_rate_per_s(),
          .end_per_s =
              p.has_end_arrival_rate_per_s() ? p.end_arrival_rate_per_s() : p.arrival_rate_per_s(),
          .duration = absl::Seconds(p.duration()),
          .distribution = distribution,
          .stddev = absl::Microseconds(std::llround(p.arrival_stddev_ms() * 1000))};
}

std::vector<absl::Duration> Durations(const LoadConfig& config) {
  std::vector<absl::Duration> durations;
  for (const PhaseConfig& phase : config.phases()) {
    durations.push_back(absl::Seconds(phase.duration()));
  }
  return durations;
}

}  // namespace

std::vector<UserTypeTarget> PhaseTargets(const LoadConfig& config, int phase, int shard_index,
                                         int shard_count) {
  return Targets(config.phases(phase), config.phases(phase).num_users(), {}, shard_index,
                 shard_count);
}

Scheduler::Scheduler(const LoopExecutor& control, Clock& clock, const LoadConfig& config,
                     UserPool& pool, Stats& stats, Options options)
    : clock_(clock),
      config_(config),
      pool_(pool),
      stats_(stats),
      options_(options),
      timer_(clock.MakeTimer(control)) {}

std::vector<UserTypeTarget> Scheduler::ShardTargets(const PhaseConfig& phase, int users,
                                                    const std::vector<int>& ratios) const {
  return Targets(phase, users, ratios, options_.shard_index, options_.shard_count);
}

void Scheduler::ApplyTargets(const PhaseConfig& phase, const std::vector<UserTypeTarget>& targets) {
  pool_.SetTargets(targets, HatchRate(phase) / options_.shard_count);
}

int Scheduler::ShardMaxBusy(const PhaseConfig& phase) const {
  return std::max(1,
                  ShardShare({MaxBusyUsers(phase)}, options_.shard_index, options_.shard_count)[0]);
}

void Scheduler::ApplyOpen(const PhaseConfig& phase, const ArrivalRate& rate, absl::Time start,
                          absl::Time from) {
  OpenTargets open{.rate = rate,
                   .start = start,
                   .from = from,
                   .shard_index = options_.shard_index,
                   .shard_count = options_.shard_count,
                   .max_busy = ShardMaxBusy(phase),
                   .max_start_delay = MaxStartDelay(phase)};
  for (const UserTypeConfig& type : phase.user_types()) {
    open.types.push_back(type.name());
    open.ratios.push_back(type.ratio());
  }
  pool_.SetOpen(open);
}

void Scheduler::BeginPhase(const PhaseOccurrence& occurrence) {
  current_ = occurrence;
  override_users_.reset();
  override_rate_.reset();
  const PhaseConfig& phase = config_.phases(occurrence.phase);
  if (IsOpen(phase)) {
    stats_.BeginPhase(occurrence, PhaseName(config_, occurrence.phase), ShardMaxBusy(phase),
                      clock_.Now());
    ApplyOpen(phase, PhaseRate(phase), occurrence.start, occurrence.start);
    return;
  }
  const std::vector<UserTypeTarget> targets = ShardTargets(phase, phase.num_users(), {});
  int users = 0;
  for (const UserTypeTarget& t : targets) users += t.users;
  // Stats open before the first user of the phase can record.
  stats_.BeginPhase(occurrence, PhaseName(config_, occurrence.phase), users, clock_.Now());
  ApplyTargets(phase, targets);
}

void Scheduler::UseConfig(LoadConfig config, BehaviorSource behaviors, int64_t n,
                          absl::Time start) {
  config_ = std::move(config);
  pool_.SetBehaviors(std::move(behaviors));
  timeline_.emplace(Durations(config_), start, config_.loops(), options_.deadline);
  timeline_->Shift(-timeline_->Offset(n));
}

Awaitable<void> Scheduler::Run() {
  timeline_.emplace(Durations(config_), options_.start, config_.loops(), options_.deadline);
  int64_t n = 0;
  bool begun = false;  // whether occurrence n has begun
  while (!stop_requested_) {
    if (jump_to_) {
      n = *jump_to_;
      jump_to_.reset();
      timeline_->Shift(clock_.Now() - (timeline_->start() + timeline_->Offset(n)));
      begun = false;
    }
    std::optional<PhaseOccurrence> occurrence = timeline_->Occurrence(n);
    if (!occurrence) break;
    if (paused_) {
      // Resume, Stop or JumpTo wake it; the run's deadline holds while paused.
      if (co_await timer_->WaitUntil(options_.deadline)) break;
      continue;
    }
    if (!begun) {
      if (clock_.Now() < occurrence->start) {
        co_await timer_->WaitUntil(occurrence->start);
        continue;  // a control call may have changed the plan meanwhile
      }
      BeginPhase(*occurrence);
      begun = true;
    }
    if (co_await timer_->WaitUntil(occurrence->end)) {
      ++n;
      begun = false;
      if (pending_) {
        const int phases = pending_->config.phases_size();
        n = static_cast<int64_t>(current_->loop) * phases + current_->phase + 1;
        UseConfig(std::move(pending_->config), std::move(pending_->behaviors), n, occurrence->end);
        pending_.reset();
      }
    }
  }
  current_.reset();
  co_await pool_.StopAll(stop_timeout_);
  stats_.EndPhase(clock_.Now());
}

void Scheduler::Stop(std::optional<absl::Duration> stop_timeout) {
  if (!stop_requested_) stop_timeout_ = stop_timeout;
  stop_requested_ = true;
  timer_->Cancel();
}

void Scheduler::CutStop() {
  Stop();
  stop_timeout_ = absl::ZeroDuration();  // for users not yet told to stop
  pool_.CutStops();                      // and those told already
}

absl::Status Scheduler::RequireRunning() const {
  if (!current_ || stop_requested_) {
    return absl::FailedPreconditionError("no phase is under way");
  }
  return absl::OkStatus();
}

absl::Status Scheduler::JumpTo(int phase) {
  if (phase < 0 || phase >= config_.phases_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("phase ", phase, " does not exist (the config has ", config_.phases_size(),
                     ": 0..", config_.phases_size() - 1, ")"));
  }
  if (absl::Status running = RequireRunning(); !running.ok()) return running;
  BeginNow(static_cast<int64_t>(current_->loop) * config_.phases_size() + phase);
  return absl::OkStatus();
}

void Scheduler::BeginNow(int64_t n) {
  jump_to_ = n;
  if (paused_) {
    paused_ = false;
    pool_.Resume();
  }
  timer_->Cancel();
}

absl::Status Scheduler::Pause() {
  if (absl::Status running = RequireRunning(); !running.ok()) return running;
  if (paused_) return absl::FailedPreconditionError("the run is paused already");
  paused_ = true;
  paused_at_ = clock_.Now();
  pool_.Pause();
  timer_->Cancel();
  return absl::OkStatus();
}

absl::Status Scheduler::Resume() {
  if (!paused_ || stop_requested_) return absl::FailedPreconditionError("the run is not paused");
  paused_ = false;
  timeline_->Shift(clock_.Now() - paused_at_);
  pool_.Resume();
  timer_->Cancel();
  return absl::OkStatus();
}

absl::Status Scheduler::OverrideUsers(int users, const std::vector<int>& ratios) {
  if (absl::Status running = RequireRunning(); !running.ok()) return running;
  const PhaseConfig& phase = config_.phases(current_->phase);
  if (IsOpen(phase)) {
    return absl::FailedPreconditionError(
        "the phase under way is open (it has an arrival rate, not a user count): set its rate");
  }
  if (users < 0 || users > kMaxUsers) {
    return absl::InvalidArgumentError(
        absl::StrCat("users must be in 0..", kMaxUsers, ", not ", users));
  }
  if (!ratios.empty() && static_cast<int>(ratios.size()) != phase.user_types_size()) {
    return absl::InvalidArgumentError(absl::StrCat("give one ratio per user type of the phase (",
                                                   phase.user_types_size(), "), not ",
                                                   ratios.size()));
  }
  for (int r : ratios) {
    if (r <= 0) return absl::InvalidArgumentError(absl::StrCat("ratios must be > 0, not ", r));
  }
  override_users_ = users;
  ApplyTargets(phase, ShardTargets(phase, users, ratios));
  return absl::OkStatus();
}

absl::Status Scheduler::OverrideRate(double per_s) {
  if (absl::Status running = RequireRunning(); !running.ok()) return running;
  const PhaseConfig& phase = config_.phases(current_->phase);
  if (!IsOpen(phase)) {
    return absl::FailedPreconditionError(
        "the phase under way is closed (it has users, not an arrival rate): set its users");
  }
  if (!(per_s > 0 && per_s <= kMaxArrivalRate)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the arrival rate must be in (0, 1000000] per second, not ", per_s));
  }
  override_rate_ = per_s;
  ArrivalRate rate = PhaseRate(phase);
  rate.start_per_s = rate.end_per_s = per_s;
  rate.duration = Progress().remaining;
  ApplyOpen(phase, rate, clock_.Now(), clock_.Now());
  return absl::OkStatus();
}

absl::Status Scheduler::ClearOverride() {
  if (absl::Status running = RequireRunning(); !running.ok()) return running;
  override_users_.reset();
  override_rate_.reset();
  const PhaseConfig& phase = config_.phases(current_->phase);
  if (IsOpen(phase)) {
    // The phase's own schedule, where it stands now (after pauses, the phase began later).
    const PhaseOccurrence occurrence = timeline_->Occurrence(current_->number).value_or(*current_);
    ApplyOpen(phase, PhaseRate(phase), occurrence.start, clock_.Now());
    return absl::OkStatus();
  }
  ApplyTargets(phase, ShardTargets(phase, phase.num_users(), {}));
  return absl::OkStatus();
}

double Scheduler::ArrivalRateNow() const {
  if (!current_ || !IsOpen(config_.phases(current_->phase))) return 0;
  if (override_rate_) return *override_rate_;
  return PhaseRate(config_.phases(current_->phase)).At(Progress().elapsed);
}

absl::Status Scheduler::Reload(LoadConfig config, BehaviorSource behaviors, bool at_boundary) {
  if (absl::Status running = RequireRunning(); !running.ok()) return running;
  if (at_boundary) {
    pending_ = PendingReload{std::move(config), std::move(behaviors)};
    return absl::OkStatus();
  }
  pending_.reset();
  const int phases = config.phases_size();
  const int64_t n = static_cast<int64_t>(current_->loop) * phases +
                    (current_->phase < phases ? current_->phase : 0);
  UseConfig(std::move(config), std::move(behaviors), n, clock_.Now());
  BeginNow(n);
  return absl::OkStatus();
}

absl::Status Scheduler::Apply(const RunCommand& command) {
  struct Visitor {
    Scheduler& s;
    absl::Status operator()(const JumpToPhase& c) { return s.JumpTo(c.phase); }
    absl::Status operator()(const PauseRun&) { return s.Pause(); }
    absl::Status operator()(const ResumeRun&) { return s.Resume(); }
    absl::Status operator()(const OverrideUserCount& c) {
      return s.OverrideUsers(c.users, c.ratios);
    }
    absl::Status operator()(const OverrideArrivalRate& c) { return s.OverrideRate(c.per_s); }
    absl::Status operator()(const ClearUserOverride&) { return s.ClearOverride(); }
  };
  return std::visit(Visitor{*this}, command);
}

PhaseProgress Scheduler::Progress() const {
  if (!current_ || !timeline_) return {};
  // The timeline moves on a pause or jump; the occurrence as it stands now.
  const PhaseOccurrence occurrence = timeline_->Occurrence(current_->number).value_or(*current_);
  const absl::Time now = paused_ ? paused_at_ : clock_.Now();
  return {.elapsed = std::max(now - occurrence.start, absl::ZeroDuration()),
          .remaining = std::max(occurrence.end - now, absl::ZeroDuration())};
}

}  // namespace loadgen
