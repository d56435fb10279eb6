#ifndef LOAD_GENERATION_CONTROL_SHARD_MERGE_H_
#define LOAD_GENERATION_CONTROL_SHARD_MERGE_H_

// The answers of the shards of one run merged into one, as `loadgenctl --targets` shows them.

#include <vector>

#include "load_generation/control/status_proto.h"

namespace loadgen {

// Users per type and counts summed, rates summed, completed phases matched by (loop, phase).
// The first shard's run state, config and phase stand for all. Percentiles (current and per
// phase) are those of the merged histograms when every status carries them
// (GetStatusRequest.histograms), else 0: never an average of percentiles. The config's
// thresholds are judged on the shards' figures merged by phase when every status carries them
// (histograms again), else left out. Requires at least one status.
control::Status MergeStatus(const std::vector<control::Status>& shards);

// Every phase occurrence's rows merged across shards by occurrence number, and the totals;
// exact when each report carries its histograms (GetStatsRequest.histograms).
// Requires at least one report.
control::StatsReport MergeStats(const std::vector<control::StatsReport>& shards);

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_SHARD_MERGE_H_
