#include "load_generation/report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "load_generation/locust_csv.h"

namespace loadgen {
namespace {

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
          absl::StrFormat("%.3f", r.median_ms),
          absl::StrFormat("%.3f", r.p95_ms),
          absl::StrFormat("%.3f", r.p99_ms),
          absl::StrFormat("%.3f", r.max_ms),
          absl::StrFormat("%.3f", r.failure_percent)};
}

PhaseRow Row(const RequestStats& stats, absl::Duration duration) {
  PhaseRow row;
  row.duration = duration;
  row.requests = stats.requests;
  row.failures = stats.failures;
  const double seconds = absl::ToDoubleSeconds(duration);
  row.requests_per_s = seconds > 0 ? stats.requests / seconds : 0;
  row.median_ms = UsToMs(stats.latency_us.ValueAtQuantile(0.5));
  row.p95_ms = UsToMs(stats.latency_us.ValueAtQuantile(0.95));
  row.p99_ms = UsToMs(stats.latency_us.ValueAtQuantile(0.99));
  row.max_ms = UsToMs(stats.latency_us.Max());
  row.failure_percent = stats.requests ? 100.0 * stats.failures / stats.requests : 0;
  return row;
}

}  // namespace

std::vector<PhaseRow> PhaseRows(const std::vector<PhaseResult>& phases, const RequestStats& total) {
  std::vector<PhaseRow> rows;
  absl::Time first = absl::InfiniteFuture(), last = absl::InfinitePast();
  for (const PhaseResult& phase : phases) {
    PhaseRow row = Row(phase.stats.Total(), phase.end - phase.occurrence.start);
    row.loop = absl::StrCat(phase.occurrence.loop);
    row.phase = absl::StrCat(phase.occurrence.phase);
    row.name = phase.name;
    row.users = phase.target_users;
    rows.push_back(row);
    first = std::min(first, phase.occurrence.start);
    last = std::max(last, phase.end);
  }
  PhaseRow total_row = Row(total, phases.empty() ? absl::ZeroDuration() : last - first);
  total_row.name = "Total";
  rows.push_back(total_row);
  return rows;
}

std::string FormatPhaseTable(const std::vector<PhaseRow>& rows) {
  std::string out = absl::StrFormat("%-4s %-5s %-16s %6s %9s %10s %9s %9s %9s %9s %9s %7s\n",
                                    "loop", "phase", "name", "users", "duration", "requests",
                                    "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "fail%");
  for (const PhaseRow& r : rows) {
    absl::StrAppendFormat(&out,
                          "%-4s %-5s %-16s %6s %8.1fs %10d %9.1f %9.1f %9.1f %9.1f %9.1f %6.2f%%\n",
                          r.loop, r.phase, r.name, r.loop.empty() ? "" : absl::StrCat(r.users),
                          absl::ToDoubleSeconds(r.duration), r.requests, r.requests_per_s,
                          r.median_ms, r.p95_ms, r.p99_ms, r.max_ms, r.failure_percent);
  }
  return out;
}

std::string PhasesCsv(const std::vector<PhaseRow>& rows) {
  std::string out =
      CsvLine({"loop", "phase", "name", "users", "duration_s", "requests", "failures",
               "requests_per_s", "median_ms", "p95_ms", "p99_ms", "max_ms", "failure_percent"});
  for (const PhaseRow& row : rows) out += CsvLine(Cells(row));
  return out;
}

std::string PhasesMarkdown(const std::vector<PhaseRow>& rows) {
  std::string out =
      "| loop | phase | name | users | duration (s) | requests | failures | req/s | p50 (ms) "
      "| p95 (ms) | p99 (ms) | max (ms) | failures (%) |\n"
      "|---:|---:|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const PhaseRow& row : rows) {
    std::vector<std::string> cells = Cells(row);
    cells[2] = absl::StrReplaceAll(cells[2], {{"|", "\\|"}});
    if (row.loop.empty()) cells[2] = absl::StrCat("**", cells[2], "**");
    absl::StrAppend(&out, "| ", absl::StrJoin(cells, " | "), " |\n");
  }
  return out;
}

std::string FormatStatusLine(absl::Duration elapsed, const RunStatus& status,
                             const RecentStats::Figures& recent, const RequestStats& phase) {
  std::string where = "between phases";
  if (status.occurrence) {
    where = absl::StrFormat("phase %d %s (loop %d)", status.occurrence->phase, status.phase_name,
                            status.occurrence->loop);
  }
  std::vector<std::string> users;
  for (const UserTypeCounts& c : status.users) {
    if (c.target == 0 && c.active == 0 && c.stopping == 0) continue;
    users.push_back(absl::StrFormat("%s %d/%d", c.name, c.active, c.target));
  }
  const LatencyHistogram& latency = recent.latency_us;
  const std::string percentiles =
      latency.Count() == 0
          ? "p50 n/a p95 n/a"
          : absl::StrFormat("p50 %.1f ms p95 %.1f ms", UsToMs(latency.ValueAtQuantile(0.5)),
                            UsToMs(latency.ValueAtQuantile(0.95)));
  return absl::StrFormat("[%5ds] %s | %s | %.1f req/s %s | failures %.1f/s, %d in phase (%.2f%%)",
                         absl::ToInt64Seconds(elapsed), where,
                         users.empty() ? "no users" : absl::StrJoin(users, " "),
                         recent.requests_per_s, percentiles, recent.failures_per_s, phase.failures,
                         phase.requests ? 100.0 * phase.failures / phase.requests : 0.0);
}

}  // namespace loadgen
