#ifndef LOAD_GENERATION_CONTROL_STATUS_PROTO_H_
#define LOAD_GENERATION_CONTROL_STATUS_PROTO_H_

// The daemon's status and statistics as the control service's messages, and back into what the
// report package formats, so that a client prints them as the daemon's console does.

#include <vector>

#include "load_generation/report/report.h"
#include "load_generation/runtime/run_status.h"
#include "proto/control.pb.h"

namespace loadgen {

namespace control = ::pl::demos::load_generation;

// With `histograms`, the latencies behind the percentiles too (for merging shards).
control::Status ToProto(const DaemonStatus& status, bool histograms = false);
// With `histograms`, each row carries its latency histogram (for merging shards).
control::StatsReport ToProto(const StatsSnapshot& stats, bool histograms = false);

// A status message as a status line (see FormatStatusLine).
StatusLine StatusLineOf(const control::Status& status);
// Thresholds' results as the messages' rows, and back.
void FillThresholds(const std::vector<ThresholdResult>& results,
                    google::protobuf::RepeatedPtrField<control::ThresholdResult>* out);
std::vector<ThresholdResult> ThresholdResultsOf(const control::Status& status);
// Its completed phases as rows of the per-phase summary (see FormatPhaseTable), without a total.
std::vector<PhaseRow> CompletedPhaseRows(const control::Status& status);

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_STATUS_PROTO_H_
