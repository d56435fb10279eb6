#include "load_generation/scheduler.h"

#include <algorithm>

namespace loadgen {

std::vector<UserTypeTarget> PhaseTargets(const LoadConfig& config, int phase, int shard_index,
                                         int shard_count) {
  const PhaseConfig& p = config.phases(phase);
  std::vector<int> ratios;
  for (const UserTypeConfig& type : p.user_types()) ratios.push_back(type.ratio());
  std::vector<int> counts =
      ShardShare(SplitByRatio(p.num_users(), ratios), shard_index, shard_count);
  std::vector<UserTypeTarget> targets;
  for (int i = 0; i < p.user_types_size(); ++i) {
    const UserTypeConfig& type = p.user_types(i);
    targets.push_back({type.name(), counts[i], type.min_wait_ms(), type.max_wait_ms()});
  }
  return targets;
}

Scheduler::Scheduler(const asio::any_io_executor& control, Clock& clock, const LoadConfig& config,
                     UserPool& pool, Stats& stats, Options options)
    : clock_(clock),
      config_(config),
      pool_(pool),
      stats_(stats),
      options_(options),
      timer_(clock.MakeTimer(control)) {}

void Scheduler::BeginPhase(const PhaseOccurrence& occurrence) {
  current_ = occurrence;
  const PhaseConfig& phase = config_.phases(occurrence.phase);
  std::vector<UserTypeTarget> targets =
      PhaseTargets(config_, occurrence.phase, options_.shard_index, options_.shard_count);
  int users = 0;
  for (const UserTypeTarget& t : targets) users += t.users;
  stats_.BeginPhase(occurrence, PhaseName(config_, occurrence.phase), users, clock_.Now());
  pool_.SetTargets(targets, static_cast<double>(phase.hatch_rate_per_s()) / options_.shard_count);
}

asio::awaitable<void> Scheduler::Run() {
  std::vector<absl::Duration> durations;
  for (const PhaseConfig& phase : config_.phases()) {
    durations.push_back(absl::Seconds(phase.duration()));
  }
  const PhaseTimeline timeline(durations, options_.start, config_.loops(), options_.deadline);
  for (int64_t n = 0; !stop_requested_; ++n) {
    std::optional<PhaseOccurrence> occurrence = timeline.Occurrence(n);
    if (!occurrence) break;
    if (clock_.Now() < occurrence->start && !co_await timer_->WaitUntil(occurrence->start)) {
      continue;  // stopped before it began
    }
    BeginPhase(*occurrence);
    co_await timer_->WaitUntil(occurrence->end);
  }
  current_.reset();
  co_await pool_.StopAll();
  stats_.EndPhase(clock_.Now());
}

void Scheduler::Stop() {
  stop_requested_ = true;
  timer_->Cancel();
}

}  // namespace loadgen
