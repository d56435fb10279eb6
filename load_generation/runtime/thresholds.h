#ifndef LOAD_GENERATION_RUNTIME_THRESHOLDS_H_
#define LOAD_GENERATION_RUNTIME_THRESHOLDS_H_

// A run's thresholds (load.pbtxt `thresholds`: an SLO) judged on its exact histograms.

#include <vector>

#include "load_generation/config/config.h"
#include "load_generation/runtime/run_status.h"

namespace loadgen {

// Each of `config`'s thresholds over `totals` (a run of `config`): latency from the requests'
// histograms (from each arrival's intended time for requests of open phases), merged over
// every occurrence of the phase named (or every phase), over the requests named (or all). A
// threshold with nothing to measure (no request of that name in that phase) fails: an SLO is
// never met by default.
std::vector<ThresholdResult> EvaluateThresholds(const LoadConfig& config,
                                                const StatsTotals& totals);

// Whether every threshold passed (true when there are none).
bool AllPassed(const std::vector<ThresholdResult>& results);

}  // namespace loadgen

#endif  // LOAD_GENERATION_RUNTIME_THRESHOLDS_H_
