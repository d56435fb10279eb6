#ifndef LOAD_GENERATION_REPORT_HTML_REPORT_H_
#define LOAD_GENERATION_REPORT_HTML_REPORT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "load_generation/report/report.h"
#include "load_generation/runtime/run_status.h"

namespace loadgen {

// A run's figures over one second.
struct TimelinePoint {
  absl::Duration at;  // since phase 0 began
  int users = 0;      // running
  double requests_per_s = 0;
  double failures_per_s = 0;
  // Of the requests completed in that second; none when there were none.
  std::optional<double> p50_ms, p95_ms, p99_ms;
  // Of the requests of open phases completed in that second, from their intended times.
  std::optional<double> corrected_p99_ms;
};

// Something that happened at a moment of the run, marked on every chart.
struct ChartMarker {
  absl::Duration at;  // since phase 0 began
  std::string label;  // e.g. "1 weekend", "users 50"
};

struct HtmlReportInput {
  std::string title;
  std::vector<std::pair<std::string, std::string>> facts;  // (what, value), listed at the top
  std::vector<PhaseRow> rows;                              // the per-phase table
  StatsTable requests;                    // the run's figures per (method, name), and its failures
  absl::Duration counted;                 // the time `requests` covers (for rates)
  std::vector<TimelinePoint> timeline;    // oldest first
  std::vector<ChartMarker> phase_starts;  // every phase occurrence, phase 0 included
  std::vector<ChartMarker> control_actions;  // pause, resume, users N, ...: what steered the run
  std::vector<ThresholdResult> thresholds;   // the config's, at the run's end
  // false: no charts over time (a report made from the control API, which keeps no timeline).
  bool over_time = true;
};

// A self-contained HTML page: the facts, the per-phase table, the per-(method, name) table with
// percentiles, the failures table, the arrivals of open phases per user type, and four charts
// over time (users; requests/s; p50, p95 and p99 latency, and the corrected p99 of open phases;
// failures/s) drawn as inline SVG, each phase start and each control action marked by a
// vertical line on every chart. No script, no fetched resource.
//
// For checks and styling, each chart is an <svg class="chart" data-figure=...>, each series a
// <path class="series" data-series=...>, each phase start a <line class="phase-change"> and each
// control action a <line class="control-action">.
std::string HtmlReport(const HtmlReportInput& input);

}  // namespace loadgen

#endif  // LOAD_GENERATION_REPORT_HTML_REPORT_H_
