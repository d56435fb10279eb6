#ifndef LOAD_GENERATION_STATS_STATS_PROTO_H_
#define LOAD_GENERATION_STATS_STATS_PROTO_H_

#include <vector>

#include "absl/time/time.h"
#include "load_generation/stats/stats.h"
#include "proto/control.pb.h"

namespace loadgen {

// Statistics as the control service sends them, and back: what the daemon answers GetStats
// with, and what `loadgenctl --targets` merges the shards' answers with.

// A histogram as its sparse buckets with exact min, max and sum, and back.
void FillBuckets(const LatencyHistogram& latency, pl::demos::load_generation::LatencyBuckets* out);
LatencyHistogram FromBuckets(const pl::demos::load_generation::LatencyBuckets& buckets);

// The row of `stats` over `span` (rates), with its histogram if `histogram`.
void FillRow(const RequestStats& stats, absl::Duration span, bool histogram,
             pl::demos::load_generation::RequestStatsRow* row);

// The table's rows, its Aggregated row and its failures, over `span`.
void FillTable(const StatsTable& table, absl::Duration span, bool histograms,
               pl::demos::load_generation::PhaseStats* out);

// A row's current rates (RequestStatsRow.current_requests_per_s, ...).
void SetCurrent(const RecentEntryRates::Rate& rate,
                pl::demos::load_generation::RequestStatsRow* row);
// Each row's current rates from `rates`, and their sum on the Aggregated row.
void SetCurrentRates(const RecentEntryRates::Rates& rates,
                     pl::demos::load_generation::PhaseStats* table);

// The entries and failures of a table sent with its histograms (FillTable with `histograms`),
// as a table again.
StatsTable TableOf(const pl::demos::load_generation::PhaseStats& stats);

// The figures a row was made from, given its histogram (FillRow with `histogram`).
RequestStats RowStats(const pl::demos::load_generation::RequestStatsRow& row);

// The shards' stats of one phase occurrence (or total) as one: rows of the same method and
// name merged (counts summed, histograms merged), failures summed, the longest duration.
pl::demos::load_generation::PhaseStats MergePhaseStats(
    const std::vector<const pl::demos::load_generation::PhaseStats*>& shards);

}  // namespace loadgen

#endif  // LOAD_GENERATION_STATS_STATS_PROTO_H_
