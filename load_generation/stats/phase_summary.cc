#include "load_generation/stats/phase_summary.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "load_generation/stats/histogram.h"

namespace loadgen {
namespace {

PhaseRow Row(const RequestStats& stats, absl::Duration duration) {
  PhaseRow row;
  row.duration = duration;
  row.requests = stats.requests;
  row.failures = stats.failures;
  row.cancelled_at_stop = stats.cancelled_at_stop;
  const double seconds = absl::ToDoubleSeconds(duration);
  row.requests_per_s = seconds > 0 ? stats.requests / seconds : 0;
  row.median_ms = UsToMs(stats.latency_us.ValueAtQuantile(0.5));
  row.p95_ms = UsToMs(stats.latency_us.ValueAtQuantile(0.95));
  row.p99_ms = UsToMs(stats.latency_us.ValueAtQuantile(0.99));
  row.max_ms = UsToMs(stats.latency_us.Max());
  row.average_ms = stats.latency_us.Mean() / 1000.0;
  row.min_ms = UsToMs(stats.latency_us.Min());
  row.p90_ms = UsToMs(stats.latency_us.ValueAtQuantile(0.9));
  row.p999_ms = UsToMs(stats.latency_us.ValueAtQuantile(0.999));
  row.failure_percent = stats.requests ? 100.0 * stats.failures / stats.requests : 0;
  row.arrivals = stats.arrivals;
  row.corrected_p50_ms = UsToMs(stats.corrected_latency_us.ValueAtQuantile(0.5));
  row.corrected_p99_ms = UsToMs(stats.corrected_latency_us.ValueAtQuantile(0.99));
  row.schedule_lag_p99_ms = UsToMs(stats.schedule_lag_us.ValueAtQuantile(0.99));
  return row;
}

}  // namespace

std::vector<PhaseRow> PhaseRows(const std::vector<PhaseResult>& phases, const RequestStats& total) {
  std::vector<PhaseRow> rows;
  int total_idle = 0;
  absl::Time first = absl::InfiniteFuture(), last = absl::InfinitePast();
  for (const PhaseResult& phase : phases) {
    PhaseRow row = Row(phase.stats.Total(), phase.end - phase.occurrence.start);
    row.loop = absl::StrCat(phase.occurrence.loop);
    row.phase = absl::StrCat(phase.occurrence.phase);
    row.name = phase.name;
    row.users = phase.target_users;
    row.start = phase.occurrence.start;
    row.end = phase.end;
    row.idle = phase.target_users == 0 ? 1 : 0;
    total_idle += row.idle;
    rows.push_back(row);
    first = std::min(first, phase.occurrence.start);
    last = std::max(last, phase.end);
  }
  PhaseRow total_row = Row(total, phases.empty() ? absl::ZeroDuration() : last - first);
  total_row.name = "Total";
  total_row.start = phases.empty() ? absl::InfinitePast() : first;
  total_row.end = phases.empty() ? absl::InfinitePast() : last;
  total_row.idle = total_idle;
  rows.push_back(total_row);
  return rows;
}

}  // namespace loadgen
