#ifndef LOAD_GENERATION_WRK_REPORT_H_
#define LOAD_GENERATION_WRK_REPORT_H_

#include <string>

#include "load_generation/stats/histogram.h"
#include "load_generation/wrk/command_line.h"
#include "load_generation/wrk/result.h"

namespace loadgen {

// wrk2's text output, line for line and column for column, so that what parses wrk2's output
// parses ours.

// wrk's units: "1.23ms", "2.11k", "1.20MB" (before the B), "30s" / "2m" (whole).
std::string FormatWrkTimeUs(double microseconds);
std::string FormatWrkMetric(double n);
std::string FormatWrkBinary(double bytes);
std::string FormatWrkTimeS(double seconds);

// "Running 30s test @ URL" and the threads and connections line.
std::string WrkRunningHeader(const WrkOptions& options);

// The "Detailed Percentile spectrum" rows (HdrHistogram's percentile iterator with 5 ticks per
// half distance, values in milliseconds) and its #[Mean ...] footer.
std::string WrkPercentileSpectrum(const LatencyHistogram& histogram);

// Everything after the header: the Thread Stats table, the latency distributions asked for
// (-L, -U), the totals, socket errors and non-2xx/3xx responses when there are any, and the
// rates.
std::string WrkReport(const WrkResult& result, bool latency, bool u_latency);

}  // namespace loadgen

#endif  // LOAD_GENERATION_WRK_REPORT_H_
