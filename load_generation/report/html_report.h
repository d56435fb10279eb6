#ifndef LOAD_GENERATION_REPORT_HTML_REPORT_H_
#define LOAD_GENERATION_REPORT_HTML_REPORT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "load_generation/report/report.h"

namespace loadgen {

// A run's figures over one second.
struct TimelinePoint {
  absl::Duration at;  // since phase 0 began
  int users = 0;      // running
  double requests_per_s = 0;
  double failures_per_s = 0;
  // Of the requests completed in that second; none when there were none.
  std::optional<double> p50_ms, p95_ms;
};

// Where a phase began, after the first.
struct PhaseChange {
  absl::Duration at;  // since phase 0 began
  std::string label;  // e.g. "1 weekend"
};

struct HtmlReportInput {
  std::string title;
  std::vector<std::pair<std::string, std::string>> facts;  // (what, value), listed at the top
  std::vector<PhaseRow> rows;                              // the per-phase table
  std::vector<TimelinePoint> timeline;                     // oldest first
  std::vector<PhaseChange> phase_changes;
};

// A self-contained HTML page: the facts, the per-phase table and four charts over time (users;
// requests/s; p50 and p95 latency; failures/s) drawn as inline SVG, each phase change marked
// by a vertical line on every chart. No script, no fetched resource.
//
// For checks and styling, each chart is an <svg class="chart" data-figure=...>, each series a
// <path class="series" data-series=...> and each phase change a <line class="phase-change">.
std::string HtmlReport(const HtmlReportInput& input);

}  // namespace loadgen

#endif  // LOAD_GENERATION_REPORT_HTML_REPORT_H_
