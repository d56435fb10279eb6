#include "load_generation/control/shard_calls.h"

#include "absl/time/clock.h"
#include "load_generation/control/shard_merge.h"

namespace loadgen {
namespace shard_calls_internal {
namespace {

// How long shards take to start together: the calls reach them all before phase 0 begins.
constexpr absl::Duration kCommonStartDelay = absl::Seconds(2);

void ClearHistograms(control::Status& s) {
  s.clear_current_latency();
  s.clear_current_corrected_latency();
  s.clear_current_schedule_lag();
  s.clear_judged_phases();
  for (control::Status::PhaseSummary& phase : *s.mutable_completed_phases()) {
    phase.clear_latency();
    phase.clear_corrected_latency();
  }
}
void ClearHistograms(control::PhaseStats& stats) {
  for (control::RequestStatsRow& row : *stats.mutable_requests()) {
    row.clear_latency();
    row.clear_corrected_latency();
  }
  stats.mutable_aggregated()->clear_latency();
  stats.mutable_aggregated()->clear_corrected_latency();
}
void ClearHistograms(control::StatsReport& report) {
  for (control::PhaseStats& phase : *report.mutable_completed_phases()) ClearHistograms(phase);
  ClearHistograms(*report.mutable_current_phase());
  ClearHistograms(*report.mutable_total());
}

}  // namespace

void Prepare(control::StartRequest& r, int index, int count) {
  r.set_shard_count(count);
  r.set_shard_index(index);
  if (r.start_at_unix_ms() == 0 && count > 1) {
    r.set_start_at_unix_ms(absl::ToUnixMillis(absl::Now() + kCommonStartDelay));
  }
}
void Prepare(control::SwarmRequest& r, int index, int count) {
  r.set_shard_count(count);
  r.set_shard_index(index);
}
void Prepare(control::GetStatusRequest& r, int, int) { r.set_histograms(true); }
void Prepare(control::GetStatsRequest& r, int, int) { r.set_histograms(true); }

control::Status Merged(const std::vector<control::Status>& answers, const bool histograms) {
  control::Status merged = MergeStatus(answers);
  if (!histograms) ClearHistograms(merged);
  return merged;
}
control::StatsReport Merged(const std::vector<control::StatsReport>& answers,
                            const bool histograms) {
  control::StatsReport merged = MergeStats(answers);
  if (!histograms) ClearHistograms(merged);
  return merged;
}

}  // namespace shard_calls_internal
}  // namespace loadgen
