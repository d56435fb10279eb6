#ifndef LOAD_GENERATION_REPORT_METRICS_H_
#define LOAD_GENERATION_REPORT_METRICS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "load_generation/runtime/run_status.h"

namespace loadgen {

// What the generator itself uses, from /proc/self (zero where unreadable).
struct ProcessFigures {
  double cpu_seconds = 0;  // user + system
  int64_t resident_bytes = 0;
  int64_t virtual_bytes = 0;
  int64_t open_fds = 0;
  int64_t max_fds = 0;
  double start_time_seconds = 0;  // unix
};
ProcessFigures ReadProcessFigures();

// The daemon's figures in the Prometheus text format (version 0.0.4):
//   loadgen_requests_total, loadgen_request_failures_total and the
//   loadgen_request_duration_seconds histogram, labelled method, name and phase (the index);
//   loadgen_request_errors_total, also labelled error (the kind: "HTTP 503", "timeout", ...);
//   loadgen_users and loadgen_target_users by user_type; loadgen_phase and loadgen_loop of the
//   phase under way; loadgen_run_state; loadgen_runs_started_total; and the standard process_*
//   figures. Counters count since the run began or the last ResetStats, so they reset with it,
//   as Prometheus expects of counters.
std::string PrometheusText(const DaemonStatus& status, const StatsTotals& totals,
                           const ProcessFigures& process);

// The upper bounds (seconds) of the latency histogram's buckets, +Inf aside.
inline constexpr double kLatencyBucketsSeconds[] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

}  // namespace loadgen

#endif  // LOAD_GENERATION_REPORT_METRICS_H_
