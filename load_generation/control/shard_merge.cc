#include "load_generation/control/shard_merge.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "load_generation/runtime/thresholds.h"
#include "load_generation/stats/histogram.h"
#include "load_generation/stats/stats_proto.h"

namespace loadgen {

namespace {

// A histogram merged from the shards', and whether every shard sent one.
struct MergedLatency {
  LatencyHistogram latency_us;
  bool complete = true;

  void Add(bool has, const control::LatencyBuckets& buckets) {
    if (!has) {
      complete = false;
      return;
    }
    latency_us.Merge(FromBuckets(buckets));
  }
  // The value at quantile `q` in milliseconds; 0 when a shard sent no histogram, since
  // averaging percentiles would be wrong.
  double Ms(double q) const { return complete ? UsToMs(latency_us.ValueAtQuantile(q)) : 0; }
  // The merged buckets, when every shard sent its own.
  void Fill(control::LatencyBuckets* out) const {
    if (complete) FillBuckets(latency_us, out);
  }
};

// The config's thresholds on the shards' figures merged by phase: when every shard sent what its
// own were judged on (Status.judged_phases), else none (a verdict from part of the figures would
// mislead).
void JudgeMergedThresholds(const std::vector<control::Status>& shards, control::Status& merged) {
  const control::Status& first = shards.front();
  if (first.thresholds().empty()) return;
  std::map<int, std::vector<const control::PhaseStats*>> by_phase;
  for (const control::Status& s : shards) {
    if (s.thresholds_size() != first.thresholds_size()) return;       // not one run's config
    if (s.total_requests() > 0 && s.judged_phases().empty()) return;  // no histograms sent
    for (const control::PhaseStats& p : s.judged_phases()) by_phase[p.phase()].push_back(&p);
  }
  // The run's config as the thresholds see it: its phases' names and kinds, the thresholds.
  LoadConfig config;
  StatsTotals totals;
  for (const auto& [index, phases] : by_phase) {
    control::PhaseStats phase = MergePhaseStats(phases);
    while (config.phases_size() <= index) config.add_phases();
    config.mutable_phases(index)->set_name(phase.name());
    if (phase.open()) config.mutable_phases(index)->set_arrival_rate_per_s(1);
    totals.by_phase[index] = TableOf(phase);
    totals.phase_time[index] = absl::Seconds(phase.duration_s());
    totals.counted += totals.phase_time[index];
    *merged.add_judged_phases() = std::move(phase);
  }
  for (const ThresholdResult& r : ThresholdResultsOf(first)) *config.add_thresholds() = r.threshold;
  FillThresholds(EvaluateThresholds(config, totals), merged.mutable_thresholds());
}

}  // namespace

control::Status MergeStatus(const std::vector<control::Status>& shards) {
  control::Status merged = shards.front();
  merged.clear_user_types();
  merged.clear_completed_phases();
  merged.clear_current_latency();
  merged.clear_current_corrected_latency();
  merged.clear_current_schedule_lag();
  // One shard's verdict is not the run's: the merged figures are judged below.
  merged.clear_thresholds();
  merged.clear_judged_phases();
  std::map<std::string, control::Status::UserType> types;
  std::map<std::pair<int, int>, control::Status::PhaseSummary> phases;  // by (loop, phase)
  std::map<std::pair<int, int>, MergedLatency> phase_latency, phase_corrected;
  MergedLatency current, current_corrected, schedule_lag;
  for (size_t i = 0; i < shards.size(); ++i) {
    const control::Status& s = shards[i];
    for (const auto& t : s.user_types()) {
      control::Status::UserType& sum = types[t.name()];
      sum.set_name(t.name());
      sum.set_target(sum.target() + t.target());
      sum.set_active(sum.active() + t.active());
      sum.set_stopping(sum.stopping() + t.stopping());
      sum.set_arrivals(sum.arrivals() + t.arrivals());
      sum.set_late_starts(sum.late_starts() + t.late_starts());
      sum.set_dropped_arrivals(sum.dropped_arrivals() + t.dropped_arrivals());
    }
    for (const auto& p : s.completed_phases()) {
      control::Status::PhaseSummary& sum = phases[{p.loop(), p.phase()}];
      sum.set_loop(p.loop());
      sum.set_phase(p.phase());
      sum.set_name(p.name());
      sum.set_users(sum.users() + p.users());
      sum.set_duration_s(std::max(sum.duration_s(), p.duration_s()));
      sum.set_requests(sum.requests() + p.requests());
      sum.set_failures(sum.failures() + p.failures());
      sum.set_requests_per_s(sum.requests_per_s() + p.requests_per_s());
      sum.set_failure_percent(sum.requests() ? 100.0 * sum.failures() / sum.requests() : 0);
      sum.set_arrivals(sum.arrivals() + p.arrivals());
      sum.set_late_starts(sum.late_starts() + p.late_starts());
      sum.set_dropped_arrivals(sum.dropped_arrivals() + p.dropped_arrivals());
      phase_latency[{p.loop(), p.phase()}].Add(p.has_latency(), p.latency());
      phase_corrected[{p.loop(), p.phase()}].Add(p.has_corrected_latency(), p.corrected_latency());
    }
    current.Add(s.has_current_latency(), s.current_latency());
    current_corrected.Add(s.has_current_corrected_latency(), s.current_corrected_latency());
    schedule_lag.Add(s.has_current_schedule_lag(), s.current_schedule_lag());
    if (i == 0) continue;
    merged.set_current_requests_per_s(merged.current_requests_per_s() + s.current_requests_per_s());
    merged.set_current_failures_per_s(merged.current_failures_per_s() + s.current_failures_per_s());
    merged.set_total_requests(merged.total_requests() + s.total_requests());
    merged.set_total_cancelled_at_stop(merged.total_cancelled_at_stop() +
                                       s.total_cancelled_at_stop());
    merged.set_total_failures(merged.total_failures() + s.total_failures());
    merged.set_total_requests_per_s(merged.total_requests_per_s() + s.total_requests_per_s());
    merged.set_phase_requests(merged.phase_requests() + s.phase_requests());
    merged.set_phase_failures(merged.phase_failures() + s.phase_failures());
    merged.set_override_users(merged.override_users() + s.override_users());
    merged.set_arrival_rate_per_s(merged.arrival_rate_per_s() + s.arrival_rate_per_s());
    merged.set_total_arrivals(merged.total_arrivals() + s.total_arrivals());
    merged.set_total_late_starts(merged.total_late_starts() + s.total_late_starts());
    merged.set_total_dropped_arrivals(merged.total_dropped_arrivals() + s.total_dropped_arrivals());
    // Without histograms, the worst shard's lag: any saturated shard makes the run's figures
    // suspect.
    merged.set_schedule_lag_p99_ms(std::max(merged.schedule_lag_p99_ms(), s.schedule_lag_p99_ms()));
    merged.set_generator_saturated(merged.generator_saturated() || s.generator_saturated());
  }
  // Percentiles of the merged histograms.
  merged.set_current_p50_ms(current.Ms(0.5));
  merged.set_current_p95_ms(current.Ms(0.95));
  merged.set_current_p99_ms(current.Ms(0.99));
  current.Fill(merged.mutable_current_latency());
  merged.set_current_corrected_p50_ms(current_corrected.Ms(0.5));
  merged.set_current_corrected_p99_ms(current_corrected.Ms(0.99));
  current_corrected.Fill(merged.mutable_current_corrected_latency());
  if (schedule_lag.complete) merged.set_schedule_lag_p99_ms(schedule_lag.Ms(0.99));
  schedule_lag.Fill(merged.mutable_current_schedule_lag());
  for (auto& [name, t] : types) *merged.add_user_types() = t;
  for (auto& [key, p] : phases) {
    const MergedLatency& latency = phase_latency[key];
    p.set_p50_ms(latency.Ms(0.5));
    p.set_p95_ms(latency.Ms(0.95));
    p.set_p99_ms(latency.Ms(0.99));
    p.set_max_ms(latency.complete ? UsToMs(latency.latency_us.Max()) : 0);
    latency.Fill(p.mutable_latency());
    const MergedLatency& corrected = phase_corrected[key];
    p.set_corrected_p50_ms(corrected.Ms(0.5));
    p.set_corrected_p99_ms(corrected.Ms(0.99));
    corrected.Fill(p.mutable_corrected_latency());
    *merged.add_completed_phases() = p;
  }
  JudgeMergedThresholds(shards, merged);
  return merged;
}

control::StatsReport MergeStats(const std::vector<control::StatsReport>& shards) {
  control::StatsReport merged;
  std::map<int64_t, std::vector<const control::PhaseStats*>> completed;
  std::vector<const control::PhaseStats*> current, total;
  for (const control::StatsReport& r : shards) {
    for (const auto& p : r.completed_phases()) completed[p.occurrence()].push_back(&p);
    if (r.has_current_phase()) current.push_back(&r.current_phase());
    total.push_back(&r.total());
  }
  for (const auto& [occurrence, phases] : completed) {
    *merged.add_completed_phases() = MergePhaseStats(phases);
  }
  if (!current.empty()) *merged.mutable_current_phase() = MergePhaseStats(current);
  *merged.mutable_total() = MergePhaseStats(total);
  return merged;
}

}  // namespace loadgen
