#include "load_generation/control/shard_merge.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

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
};

}  // namespace

control::Status MergeStatus(const std::vector<control::Status>& shards) {
  control::Status merged = shards.front();
  merged.clear_user_types();
  merged.clear_completed_phases();
  merged.clear_current_latency();
  std::map<std::string, control::Status::UserType> types;
  std::map<std::pair<int, int>, control::Status::PhaseSummary> phases;  // by (loop, phase)
  std::map<std::pair<int, int>, MergedLatency> phase_latency;
  MergedLatency current;
  for (size_t i = 0; i < shards.size(); ++i) {
    const control::Status& s = shards[i];
    for (const auto& t : s.user_types()) {
      control::Status::UserType& sum = types[t.name()];
      sum.set_name(t.name());
      sum.set_target(sum.target() + t.target());
      sum.set_active(sum.active() + t.active());
      sum.set_stopping(sum.stopping() + t.stopping());
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
      phase_latency[{p.loop(), p.phase()}].Add(p.has_latency(), p.latency());
    }
    current.Add(s.has_current_latency(), s.current_latency());
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
  }
  // Percentiles of the merged histograms; none (0) where a shard sent no histogram, since
  // averaging percentiles would be wrong.
  const LatencyHistogram& now = current.latency_us;
  merged.set_current_p50_ms(current.complete ? UsToMs(now.ValueAtQuantile(0.5)) : 0);
  merged.set_current_p95_ms(current.complete ? UsToMs(now.ValueAtQuantile(0.95)) : 0);
  merged.set_current_p99_ms(current.complete ? UsToMs(now.ValueAtQuantile(0.99)) : 0);
  if (current.complete) FillBuckets(now, merged.mutable_current_latency());
  for (auto& [name, t] : types) *merged.add_user_types() = t;
  for (auto& [key, p] : phases) {
    const MergedLatency& latency = phase_latency[key];
    const LatencyHistogram& h = latency.latency_us;
    p.set_p50_ms(latency.complete ? UsToMs(h.ValueAtQuantile(0.5)) : 0);
    p.set_p95_ms(latency.complete ? UsToMs(h.ValueAtQuantile(0.95)) : 0);
    p.set_p99_ms(latency.complete ? UsToMs(h.ValueAtQuantile(0.99)) : 0);
    p.set_max_ms(latency.complete ? UsToMs(h.Max()) : 0);
    if (latency.complete) FillBuckets(h, p.mutable_latency());
    *merged.add_completed_phases() = p;
  }
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
