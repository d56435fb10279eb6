#ifndef LOAD_GENERATION_REPORT_REPORT_H_
#define LOAD_GENERATION_REPORT_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "load_generation/runtime/run_status.h"
#include "load_generation/stats/phase_summary.h"
#include "load_generation/stats/stats.h"

namespace loadgen {

// Lines for under the tables: when the total row covers idle phases ("Total includes 1 idle
// phase (no users): its time counts in its duration and req/s.") and when requests were
// cancelled at stop ("3 requests in flight at the stop timeout were cancelled: not counted as
// requests or failures."); "" when neither.
std::string TableNotes(const std::vector<PhaseRow>& rows);
// Whether any row is of an open phase (had arrivals): tables then show its own columns.
bool AnyOpenPhase(const std::vector<PhaseRow>& rows);

// The rows as an aligned text table with a header line.
std::string FormatPhaseTable(const std::vector<PhaseRow>& rows);

// The rows as CSV (PREFIX_phases.csv): a header line, then a row each; durations in seconds,
// latencies in milliseconds.
std::string PhasesCsv(const std::vector<PhaseRow>& rows);

// The rows as a Markdown table (PREFIX_phases.md), to paste into a report.
std::string PhasesMarkdown(const std::vector<PhaseRow>& rows);

// What a line of live status shows: the daemon's console and `loadgenctl watch` fill it, from
// the daemon's status or from its message.
struct StatusLine {
  absl::Duration elapsed;  // since phase 0 began
  std::string state;       // shown when no phase is under way: "scheduled", "idle", ...
  bool paused = false;
  std::optional<PhaseOccurrence> occurrence;
  std::string phase_name;
  std::vector<UserTypeCounts> users;
  double requests_per_s = 0;  // over the last 10 s
  double failures_per_s = 0;
  std::optional<double> p50_ms;  // none when no request completed in the last 10 s
  std::optional<double> p95_ms;
  int64_t phase_requests = 0;  // of the phase occurrence under way
  int64_t phase_failures = 0;
  double arrival_rate_per_s = 0;           // asked now, in an open phase
  std::optional<double> corrected_p99_ms;  // over the last 10 s, when open phases sent any
  ArrivalCounts arrivals;                  // since the run began
  std::optional<double> saturated_lag_ms;  // the schedule lag's p99 when the generator is saturated
};

// The daemon's status as a status line.
StatusLine StatusLineOf(const DaemonStatus& status);

// One line of live status: rates and latency over the last 10 s, failures of the phase, e.g.
// "[  12s] phase 1 weekend (loop 0) | Normal 67/67 Weekend 120/133 | 153.2 req/s p50 12.0 ms
//  p95 40.1 ms | failures 0.2/s, 3 in phase (0.12%)"; in an open phase the rate asked and the
// corrected p99 too ("| 150.0 arrivals/s, 3 late, 0 dropped | ... corrected p99 80.2 ms"); and
// "| GENERATOR SATURATED (lag p99 15.0 ms)" when it is.
std::string FormatStatusLine(const StatusLine& line);

}  // namespace loadgen

#endif  // LOAD_GENERATION_REPORT_REPORT_H_
