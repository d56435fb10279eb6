#ifndef LOAD_GENERATION_REPORT_H_
#define LOAD_GENERATION_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "load_generation/engine.h"
#include "load_generation/stats.h"

namespace loadgen {

// One row of the per-phase summary.
struct PhaseRow {
  std::string loop;   // "" on the total row
  std::string phase;  // index; "" on the total row
  std::string name;   // phase name; "Total" on the total row
  int users = 0;
  absl::Duration duration;
  int64_t requests = 0;
  int64_t failures = 0;
  double requests_per_s = 0;
  double median_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double failure_percent = 0;
};

// A row per phase occurrence (including `current` if it has started), then a total row over
// `total` and the whole time from the first phase's start to the last's end.
std::vector<PhaseRow> PhaseRows(const std::vector<PhaseResult>& phases, const RequestStats& total);

// The rows as an aligned text table with a header line.
std::string FormatPhaseTable(const std::vector<PhaseRow>& rows);

// The rows as CSV (PREFIX_phases.csv): a header line, then a row each; durations in seconds,
// latencies in milliseconds.
std::string PhasesCsv(const std::vector<PhaseRow>& rows);

// The rows as a Markdown table (PREFIX_phases.md), to paste into a report.
std::string PhasesMarkdown(const std::vector<PhaseRow>& rows);

// One line of live status: rates and latency over the last 10 s, failures of the phase, e.g.
// "[  12s] phase 1 weekend (loop 0) | Normal 67/67 Weekend 120/133 | 153.2 req/s p50 12.0 ms
//  p95 40.1 ms | failures 0.2/s, 3 in phase (0.12%)"
std::string FormatStatusLine(absl::Duration elapsed, const RunStatus& status,
                             const RecentStats::Figures& recent, const RequestStats& phase);

}  // namespace loadgen

#endif  // LOAD_GENERATION_REPORT_H_
