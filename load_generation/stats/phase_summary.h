#ifndef LOAD_GENERATION_STATS_PHASE_SUMMARY_H_
#define LOAD_GENERATION_STATS_PHASE_SUMMARY_H_

// The per-phase summary: a row of figures per phase occurrence and a total, computed from the
// statistics; the report package formats them.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "load_generation/stats/stats.h"

namespace loadgen {

// One row of the per-phase summary.
struct PhaseRow {
  std::string loop;   // "" on the total row
  std::string phase;  // index; "" on the total row
  std::string name;   // phase name; "Total" on the total row
  int users = 0;      // the phase's num_users; in an open phase, its max_users
  absl::Duration duration;
  int64_t requests = 0;
  int64_t failures = 0;
  double requests_per_s = 0;
  double median_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double failure_percent = 0;
  double average_ms = 0;
  double min_ms = 0;
  double p90_ms = 0;
  double p999_ms = 0;
  absl::Time start;  // of the occurrence; of the first one on the total row
  absl::Time end;    // when it ended; when the last one did on the total row
  // Phase rows: the phase had no users (a cooldown). The total row: how many such rows it
  // covers, whose time counts in its duration and rate.
  int idle = 0;
  int64_t cancelled_at_stop = 0;  // requests abandoned in flight when the run stopped
  // Open phases: arrivals, late starts and drops, and the corrected latency.
  ArrivalCounts arrivals;
  double corrected_p50_ms = 0;
  double corrected_p99_ms = 0;
  // How late tasks began against their schedule, p99: the generator's own lag (both models).
  double schedule_lag_p99_ms = 0;
};

// A row per phase occurrence, then a total row over `total` and the whole time from the first
// phase's start to the last's end.
std::vector<PhaseRow> PhaseRows(const std::vector<PhaseResult>& phases, const RequestStats& total);

}  // namespace loadgen

#endif  // LOAD_GENERATION_STATS_PHASE_SUMMARY_H_
