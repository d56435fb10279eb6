#ifndef LOAD_GENERATION_REPORT_THRESHOLDS_H_
#define LOAD_GENERATION_REPORT_THRESHOLDS_H_

// The results of a run's thresholds (runtime/thresholds.h) as a console table, CSV
// (PREFIX_thresholds.csv) and JUnit XML for CI systems.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "load_generation/runtime/run_status.h"

namespace loadgen {

// "p99 of /cart in phase peak < 500 ms": what a threshold asks, for tables and messages.
std::string ThresholdName(const ThresholdConfig& threshold);

// The name and the value measured: "p99 < 500 ms (612.5 ms)", "max of /x < 9 ms (no requests)".
std::string ThresholdVerdict(const ThresholdResult& result);

// An aligned text table: a line per threshold with its value and PASS or FAIL, then a summary.
std::string FormatThresholdTable(const std::vector<ThresholdResult>& results);

// PREFIX_thresholds.csv: metric,request,phase,bound,limit,value,result (value empty when none).
std::string ThresholdsCsv(const std::vector<ThresholdResult>& results);

// A JUnit XML report (a <testsuite name="loadgen thresholds"> with a <testcase> per threshold,
// a <failure> for each that failed), as CI systems read them; `run_time` is the run's length.
std::string ThresholdsJUnit(const std::vector<ThresholdResult>& results, absl::Duration run_time);

}  // namespace loadgen

#endif  // LOAD_GENERATION_REPORT_THRESHOLDS_H_
