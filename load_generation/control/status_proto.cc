#include "load_generation/control/status_proto.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "load_generation/report/metrics.h"
#include "load_generation/report/thresholds.h"
#include "load_generation/stats/histogram.h"
#include "load_generation/stats/stats_proto.h"

namespace loadgen {
namespace {

int64_t UnixMs(absl::Time t) { return t == absl::InfinitePast() ? 0 : absl::ToUnixMillis(t); }

control::Status::State ToProto(RunState state) {
  switch (state) {
    case RunState::kIdle:
      return control::Status::IDLE;
    case RunState::kScheduled:
      return control::Status::SCHEDULED;
    case RunState::kRunning:
      return control::Status::RUNNING;
    case RunState::kPaused:
      return control::Status::PAUSED;
    case RunState::kStopping:
      return control::Status::STOPPING;
  }
  return control::Status::IDLE;
}

void FillPhase(const PhaseResult& phase, bool histograms, control::PhaseStats* out) {
  out->set_occurrence(phase.occurrence.number);
  out->set_loop(phase.occurrence.loop);
  out->set_phase(phase.occurrence.phase);
  out->set_name(phase.name);
  out->set_target_users(phase.target_users);
  out->set_start_unix_ms(UnixMs(phase.occurrence.start));
  FillTable(phase.stats, phase.end - phase.occurrence.start, histograms, out);
}

}  // namespace

control::Status ToProto(const DaemonStatus& s, bool histograms) {
  control::Status out;
  FillThresholds(s.thresholds, out.mutable_thresholds());
  out.set_aborted_by(s.aborted_by);
  if (histograms) {
    for (const auto& [index, phase] : s.judged_phases) {
      control::PhaseStats* p = out.add_judged_phases();
      p->set_phase(index);
      p->set_name(phase.name);
      p->set_open(phase.open);
      p->set_duration_s(absl::ToDoubleSeconds(phase.time));
      FillTable(phase.stats, phase.time, /*histograms=*/true, p);
    }
  }
  out.set_state(ToProto(s.position.state));
  out.set_config_source(s.config_source);
  out.set_config_digest(s.config_digest);
  out.set_application(s.application);
  out.set_target(s.target);
  out.set_run_number(s.position.run_number);
  if (s.position.run_number > 0) out.set_start_at_unix_ms(UnixMs(s.run.start));
  out.set_run_elapsed_s(absl::ToDoubleSeconds(s.run_elapsed));
  if (s.run.occurrence) {
    out.set_phase(s.run.occurrence->phase);
    out.set_phase_name(s.run.phase_name);
    out.set_loop(s.run.occurrence->loop);
    out.set_occurrence(s.run.occurrence->number);
    out.set_phase_elapsed_s(absl::ToDoubleSeconds(s.run.progress.elapsed));
    out.set_phase_remaining_s(absl::ToDoubleSeconds(s.run.progress.remaining));
  }
  if (s.run.override_users) {
    out.set_override_active(true);
    out.set_override_users(*s.run.override_users);
  }
  if (s.run.override_rate) {
    out.set_override_active(true);
    out.set_override_rate_per_s(*s.run.override_rate);
  }
  out.set_arrival_rate_per_s(s.run.arrival_rate_per_s);
  out.set_reload_pending(s.run.reload_pending);
  for (const UserTypeCounts& c : s.run.users) {
    control::Status::UserType* type = out.add_user_types();
    type->set_name(c.name);
    type->set_target(c.target);
    type->set_active(c.active);
    type->set_stopping(c.stopping);
    if (auto it = s.arrivals.find(c.name); it != s.arrivals.end()) {
      type->set_arrivals(it->second.arrivals);
      type->set_late_starts(it->second.late_starts);
      type->set_dropped_arrivals(it->second.dropped);
    }
  }
  out.set_current_requests_per_s(s.recent.requests_per_s);
  out.set_current_failures_per_s(s.recent.failures_per_s);
  out.set_current_p50_ms(UsToMs(s.recent.latency_us.ValueAtQuantile(0.5)));
  out.set_current_p95_ms(UsToMs(s.recent.latency_us.ValueAtQuantile(0.95)));
  out.set_current_p99_ms(UsToMs(s.recent.latency_us.ValueAtQuantile(0.99)));
  if (histograms) FillBuckets(s.recent.latency_us, out.mutable_current_latency());
  const LatencyHistogram& corrected = s.recent.corrected_latency_us;
  out.set_current_corrected_p50_ms(UsToMs(corrected.ValueAtQuantile(0.5)));
  out.set_current_corrected_p99_ms(UsToMs(corrected.ValueAtQuantile(0.99)));
  if (histograms) FillBuckets(corrected, out.mutable_current_corrected_latency());
  out.set_schedule_lag_p99_ms(s.recent.schedule_lag_p99_ms());
  out.set_generator_saturated(s.recent.generator_saturated());
  if (histograms) FillBuckets(s.recent.schedule_lag_us, out.mutable_current_schedule_lag());
  const ProcessFigures process = ReadProcessFigures();
  out.set_process_cpu_seconds(process.cpu_seconds);
  out.set_process_resident_bytes(process.resident_bytes);
  out.set_total_arrivals(s.total.arrivals.arrivals);
  out.set_total_late_starts(s.total.arrivals.late_starts);
  out.set_total_dropped_arrivals(s.total.arrivals.dropped);
  out.set_total_requests(s.total.requests);
  out.set_total_failures(s.total.failures);
  out.set_total_cancelled_at_stop(s.total.cancelled_at_stop);
  out.set_total_requests_per_s(s.total_requests_per_s);
  out.set_phase_requests(s.phase_total.requests);
  out.set_phase_failures(s.phase_total.failures);
  for (const auto& [occurrence, row, latency, corrected_latency] : s.completed) {
    control::Status::PhaseSummary* summary = out.add_completed_phases();
    summary->set_loop(occurrence.loop);
    summary->set_phase(occurrence.phase);
    summary->set_name(row.name);
    summary->set_users(row.users);
    summary->set_duration_s(absl::ToDoubleSeconds(row.duration));
    summary->set_requests(row.requests);
    summary->set_failures(row.failures);
    summary->set_requests_per_s(row.requests_per_s);
    summary->set_p50_ms(row.median_ms);
    summary->set_p95_ms(row.p95_ms);
    summary->set_p99_ms(row.p99_ms);
    summary->set_max_ms(row.max_ms);
    summary->set_failure_percent(row.failure_percent);
    if (histograms) FillBuckets(latency, summary->mutable_latency());
    summary->set_arrivals(row.arrivals.arrivals);
    summary->set_late_starts(row.arrivals.late_starts);
    summary->set_dropped_arrivals(row.arrivals.dropped);
    summary->set_corrected_p50_ms(row.corrected_p50_ms);
    summary->set_corrected_p99_ms(row.corrected_p99_ms);
    if (histograms) FillBuckets(corrected_latency, summary->mutable_corrected_latency());
  }
  return out;
}

control::StatsReport ToProto(const StatsSnapshot& stats, bool histograms) {
  control::StatsReport out;
  for (const PhaseResult& phase : stats.completed) {
    FillPhase(phase, histograms, out.add_completed_phases());
  }
  if (stats.current) {
    PhaseResult current = *stats.current;
    current.end = stats.now;
    FillPhase(current, histograms, out.mutable_current_phase());
  }
  control::PhaseStats* total = out.mutable_total();
  total->set_name("Total");
  total->set_start_unix_ms(UnixMs(stats.total_since));
  FillTable(stats.total, std::max(stats.now - stats.total_since, absl::ZeroDuration()), histograms,
            total);
  SetCurrentRates(stats.current_rates, total);
  return out;
}

StatusLine StatusLineOf(const control::Status& s) {
  StatusLine line{.elapsed = absl::Seconds(s.run_elapsed_s()),
                  .state = absl::AsciiStrToLower(control::Status::State_Name(s.state())),
                  .paused = s.state() == control::Status::PAUSED,
                  .phase_name = s.phase_name(),
                  .requests_per_s = s.current_requests_per_s(),
                  .failures_per_s = s.current_failures_per_s(),
                  .phase_requests = s.phase_requests(),
                  .phase_failures = s.phase_failures()};
  // The daemon names the phase only while one is under way, as the daemon's own line shows it.
  if (!s.phase_name().empty()) {
    line.occurrence =
        PhaseOccurrence{.number = s.occurrence(), .loop = s.loop(), .phase = s.phase()};
  }
  for (const auto& t : s.user_types()) {
    line.users.push_back(
        {.name = t.name(), .target = t.target(), .active = t.active(), .stopping = t.stopping()});
  }
  if (s.current_requests_per_s() > 0) {
    line.p50_ms = s.current_p50_ms();
    line.p95_ms = s.current_p95_ms();
    if (s.current_corrected_p99_ms() > 0) line.corrected_p99_ms = s.current_corrected_p99_ms();
  }
  line.arrival_rate_per_s = s.arrival_rate_per_s();
  line.arrivals = {.arrivals = s.total_arrivals(),
                   .late_starts = s.total_late_starts(),
                   .dropped = s.total_dropped_arrivals()};
  if (s.generator_saturated()) line.saturated_lag_ms = s.schedule_lag_p99_ms();
  return line;
}

void FillThresholds(const std::vector<ThresholdResult>& results,
                    google::protobuf::RepeatedPtrField<control::ThresholdResult>* out) {
  for (const ThresholdResult& r : results) {
    control::ThresholdResult* t = out->Add();
    t->set_name(ThresholdName(r.threshold));
    t->set_metric(r.threshold.metric());
    t->set_request(r.threshold.request());
    t->set_phase(r.threshold.phase());
    t->set_bound(r.threshold.has_below() ? "below" : "above");
    t->set_limit(r.threshold.has_below() ? r.threshold.below() : r.threshold.above());
    if (r.value) t->set_value(*r.value);
    t->set_passed(r.passed);
  }
}

std::vector<ThresholdResult> ThresholdResultsOf(const control::Status& status) {
  std::vector<ThresholdResult> results;
  for (const control::ThresholdResult& t : status.thresholds()) {
    ThresholdResult& r = results.emplace_back();
    r.threshold.set_metric(t.metric());
    r.threshold.set_request(t.request());
    r.threshold.set_phase(t.phase());
    if (t.bound() == "above") {
      r.threshold.set_above(t.limit());
    } else {
      r.threshold.set_below(t.limit());
    }
    if (t.has_value()) r.value = t.value();
    r.passed = t.passed();
  }
  return results;
}

std::vector<PhaseRow> CompletedPhaseRows(const control::Status& s) {
  std::vector<PhaseRow> rows;
  for (const auto& p : s.completed_phases()) {
    rows.push_back({.loop = absl::StrCat(p.loop()),
                    .phase = absl::StrCat(p.phase()),
                    .name = p.name(),
                    .users = p.users(),
                    .duration = absl::Seconds(p.duration_s()),
                    .requests = p.requests(),
                    .failures = p.failures(),
                    .requests_per_s = p.requests_per_s(),
                    .median_ms = p.p50_ms(),
                    .p95_ms = p.p95_ms(),
                    .p99_ms = p.p99_ms(),
                    .max_ms = p.max_ms(),
                    .failure_percent = p.failure_percent(),
                    .arrivals = {.arrivals = p.arrivals(),
                                 .late_starts = p.late_starts(),
                                 .dropped = p.dropped_arrivals()},
                    .corrected_p50_ms = p.corrected_p50_ms(),
                    .corrected_p99_ms = p.corrected_p99_ms()});
  }
  return rows;
}

}  // namespace loadgen
