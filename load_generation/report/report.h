#ifndef LOAD_GENERATION_REPORT_REPORT_H_
#define LOAD_GENERATION_REPORT_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "load_generation/runtime/run_status.h"
#include "load_generation/stats/phase_summary.h"
#include "load_generation/stats/stats.h"

namespace loadgen {

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

#endif  // LOAD_GENERATION_REPORT_REPORT_H_
