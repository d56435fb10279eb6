#include "load_generation/report/report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "load_generation/report/locust_csv.h"

namespace loadgen {
namespace {

// A latency cell: "N/A" for a row without requests, as Locust writes it.
std::string Ms(const PhaseRow& r, double ms) {
  return r.requests == 0 ? "N/A" : absl::StrFormat("%.3f", ms);
}
std::string ConsoleMs(const PhaseRow& r, double ms) {
  return r.requests == 0 ? "N/A" : absl::StrFormat("%.1f", ms);
}
// A corrected latency: "N/A" for a row without arrivals (a closed phase).
std::string CorrectedMs(const PhaseRow& r, double ms, int decimals = 3) {
  return r.arrivals.arrivals == 0 || r.requests == 0 ? "N/A"
                                                     : absl::StrFormat("%.*f", decimals, ms);
}

// ISO 8601 in UTC with milliseconds, e.g. 2026-12-02T10:00:00.000Z; "" when unknown.
std::string Iso8601(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

// A row's cells, as the CSV and Markdown tables show them.
std::vector<std::string> Cells(const PhaseRow& r) {
  return {r.loop,
          r.phase,
          r.name,
          r.loop.empty() ? "" : absl::StrCat(r.users),
          absl::StrFormat("%.3f", absl::ToDoubleSeconds(r.duration)),
          absl::StrCat(r.requests),
          absl::StrCat(r.failures),
          absl::StrFormat("%.3f", r.requests_per_s),
          Ms(r, r.median_ms),
          Ms(r, r.p95_ms),
          Ms(r, r.p99_ms),
          Ms(r, r.max_ms),
          absl::StrFormat("%.3f", r.failure_percent),
          Ms(r, r.average_ms),
          Ms(r, r.min_ms),
          Ms(r, r.p90_ms),
          Ms(r, r.p999_ms),
          Iso8601(r.start),
          Iso8601(r.end),
          absl::StrCat(r.idle),
          absl::StrCat(r.cancelled_at_stop),
          absl::StrCat(r.arrivals.arrivals),
          absl::StrCat(r.arrivals.late_starts),
          absl::StrCat(r.arrivals.dropped),
          CorrectedMs(r, r.corrected_p50_ms),
          CorrectedMs(r, r.corrected_p99_ms),
          absl::StrFormat("%.3f", r.schedule_lag_p99_ms)};
}

}  // namespace

bool AnyOpenPhase(const std::vector<PhaseRow>& rows) {
  return std::any_of(rows.begin(), rows.end(),
                     [](const PhaseRow& r) { return r.arrivals.arrivals > 0; });
}

std::string TableNotes(const std::vector<PhaseRow>& rows) {
  if (rows.empty()) return "";
  std::string notes;
  if (const int idle = rows.back().idle; idle > 0) {
    absl::StrAppendFormat(
        &notes,
        "Total includes %d idle phase%s (no users): %s time counts in its duration and req/s.\n",
        idle, idle == 1 ? "" : "s", idle == 1 ? "its" : "their");
  }
  if (AnyOpenPhase(rows)) {
    absl::StrAppend(&notes,
                    "Open phases: corrected latencies count from each arrival's intended time; "
                    "late starts found no idle user and waited for one; dropped arrivals "
                    "waited past max_start_delay_ms or their phase's end.\n");
  }
  if (const int64_t cancelled = rows.back().cancelled_at_stop; cancelled > 0) {
    absl::StrAppendFormat(&notes,
                          "%d request%s in flight at the stop timeout %s cancelled: not counted "
                          "as requests or failures.\n",
                          cancelled, cancelled == 1 ? "" : "s", cancelled == 1 ? "was" : "were");
  }
  return notes;
}

std::string FormatPhaseTable(const std::vector<PhaseRow>& rows) {
  const bool open = AnyOpenPhase(rows);
  std::string out = absl::StrFormat(
      "%-4s %-5s %-16s %6s %9s %10s %9s %9s %9s %9s %9s %7s%s\n", "loop", "phase", "name", "users",
      "duration", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "fail%",
      open ? absl::StrFormat(" %9s %9s %8s %8s", "c.p50 ms", "c.p99 ms", "late", "dropped") : "");
  for (const PhaseRow& r : rows) {
    absl::StrAppendFormat(
        &out, "%-4s %-5s %-16s %6s %8.1fs %10d %9.1f %9s %9s %9s %9s %6.2f%%%s\n", r.loop, r.phase,
        r.name, r.loop.empty() ? "" : absl::StrCat(r.users), absl::ToDoubleSeconds(r.duration),
        r.requests, r.requests_per_s, ConsoleMs(r, r.median_ms), ConsoleMs(r, r.p95_ms),
        ConsoleMs(r, r.p99_ms), ConsoleMs(r, r.max_ms), r.failure_percent,
        open ? absl::StrFormat(" %9s %9s %8d %8d", CorrectedMs(r, r.corrected_p50_ms, 1),
                               CorrectedMs(r, r.corrected_p99_ms, 1), r.arrivals.late_starts,
                               r.arrivals.dropped)
             : "");
  }
  return out + TableNotes(rows);
}

std::string PhasesCsv(const std::vector<PhaseRow>& rows) {
  std::string out = CsvLine({"loop",
                             "phase",
                             "name",
                             "users",
                             "duration_s",
                             "requests",
                             "failures",
                             "requests_per_s",
                             "median_ms",
                             "p95_ms",
                             "p99_ms",
                             "max_ms",
                             "failure_percent",
                             "average_ms",
                             "min_ms",
                             "p90_ms",
                             "p999_ms",
                             "start",
                             "end",
                             "idle",
                             "cancelled_at_stop",
                             "arrivals",
                             "late_starts",
                             "dropped_arrivals",
                             "corrected_p50_ms",
                             "corrected_p99_ms",
                             "schedule_lag_p99_ms"});
  for (const PhaseRow& row : rows) out += CsvLine(Cells(row));
  return out;
}

std::string PhasesMarkdown(const std::vector<PhaseRow>& rows) {
  std::string out =
      "| loop | phase | name | users | duration (s) | requests | failures | req/s | p50 (ms) "
      "| p95 (ms) | p99 (ms) | max (ms) | failures (%) | start (UTC) |\n"
      "|---:|---:|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|\n";
  for (const PhaseRow& row : rows) {
    std::vector<std::string> cells = Cells(row);
    cells[13] = cells[17];  // the start; not the CSV's further latencies, end and idle
    cells.resize(14);
    cells[2] = absl::StrReplaceAll(cells[2], {{"|", "\\|"}});
    if (row.loop.empty()) cells[2] = absl::StrCat("**", cells[2], "**");
    absl::StrAppend(&out, "| ", absl::StrJoin(cells, " | "), " |\n");
  }
  const std::string note = TableNotes(rows);
  return note.empty() ? out : absl::StrCat(out, "\n", note);
}

StatusLine StatusLineOf(const DaemonStatus& status) {
  StatusLine line{.elapsed = status.run_elapsed,
                  .state = RunStateName(status.position.state),
                  .paused = status.run.paused,
                  .occurrence = status.run.occurrence,
                  .phase_name = status.run.phase_name,
                  .users = status.run.users,
                  .requests_per_s = status.recent.requests_per_s,
                  .failures_per_s = status.recent.failures_per_s,
                  .phase_requests = status.phase_total.requests,
                  .phase_failures = status.phase_total.failures};
  if (const LatencyHistogram& latency = status.recent.latency_us; latency.Count() > 0) {
    line.p50_ms = UsToMs(latency.ValueAtQuantile(0.5));
    line.p95_ms = UsToMs(latency.ValueAtQuantile(0.95));
  }
  line.arrival_rate_per_s = status.run.arrival_rate_per_s;
  line.arrivals = status.total.arrivals;
  if (const LatencyHistogram& c = status.recent.corrected_latency_us; c.Count() > 0) {
    line.corrected_p99_ms = UsToMs(c.ValueAtQuantile(0.99));
  }
  if (status.recent.generator_saturated()) {
    line.saturated_lag_ms = status.recent.schedule_lag_p99_ms();
  }
  return line;
}

std::string FormatStatusLine(const StatusLine& line) {
  std::string where = line.state == "running" ? "between phases" : line.state;
  if (line.occurrence) {
    where = absl::StrFormat("phase %d %s (loop %d)%s", line.occurrence->phase, line.phase_name,
                            line.occurrence->loop, line.paused ? " paused" : "");
  }
  std::vector<std::string> users;
  for (const UserTypeCounts& c : line.users) {
    if (c.target == 0 && c.active == 0 && c.stopping == 0) continue;
    users.push_back(absl::StrFormat("%s %d/%d", c.name, c.active, c.target));
  }
  std::string percentiles = line.p50_ms && line.p95_ms ? absl::StrFormat("p50 %.1f ms p95 %.1f ms",
                                                                         *line.p50_ms, *line.p95_ms)
                                                       : "p50 n/a p95 n/a";
  if (line.corrected_p99_ms) {
    absl::StrAppendFormat(&percentiles, " corrected p99 %.1f ms", *line.corrected_p99_ms);
  }
  std::string arrivals;
  if (line.arrival_rate_per_s > 0) {
    arrivals = absl::StrFormat(" | %.1f arrivals/s, %d late, %d dropped", line.arrival_rate_per_s,
                               line.arrivals.late_starts, line.arrivals.dropped);
  }
  return absl::StrFormat(
      "[%5ds] %s | %s%s | %.1f req/s %s | failures %.1f/s, %d in phase (%.2f%%)%s",
      absl::ToInt64Seconds(line.elapsed), where,
      users.empty() ? "no users" : absl::StrJoin(users, " "), arrivals, line.requests_per_s,
      percentiles, line.failures_per_s, line.phase_failures,
      line.phase_requests ? 100.0 * line.phase_failures / line.phase_requests : 0.0,
      line.saturated_lag_ms
          ? absl::StrFormat(" | GENERATOR SATURATED (lag p99 %.1f ms)", *line.saturated_lag_ms)
          : "");
}

}  // namespace loadgen
