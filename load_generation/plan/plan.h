#ifndef LOAD_GENERATION_PLAN_PLAN_H_
#define LOAD_GENERATION_PLAN_PLAN_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"

// Pure functions that turn a config into numbers: how many users of each type, and when each
// phase occurrence starts and ends. No I/O, no clocks.
namespace loadgen {

// Splits `total` over `weights` in proportion, by largest remainder: the parts always add up to
// `total`, each is the floor or the ceiling of its exact share, and ties in the remainder go to
// the earlier weight. Weights must be > 0; `total` >= 0.
std::vector<int> SplitByRatio(int total, absl::Span<const int> weights);

// One shard's part of `counts` (e.g. users per type) when `shard_count` shards share them. Every
// count's shares over all shards add up to it exactly, and shard totals differ by at most one:
// the units of all counts, laid end to end, are dealt to the shards in turn.
std::vector<int> ShardShare(absl::Span<const int> counts, int shard_index, int shard_count);

// One run through a phase, in a sequence of runs through all phases.
struct PhaseOccurrence {
  int64_t number = 0;  // 0, 1, 2, ... over the whole run
  int loop = 0;        // which pass through the phases
  int phase = 0;       // index into the config's phases
  absl::Time start;
  absl::Time end;  // the phase's scheduled end, or the run's deadline if that comes first
};

// When each phase occurrence runs. Occurrence n of a config with P phases is phase n % P of loop
// n / P; its start is `start` plus the durations of all phases before it, so boundaries never
// drift. The run ends after `loops` passes (0: unbounded) or at `deadline`, whichever is first.
class PhaseTimeline {
 public:
  PhaseTimeline(std::vector<absl::Duration> durations, absl::Time start, int loops,
                absl::Time deadline = absl::InfiniteFuture());

  // The occurrence numbered `n`, or nullopt if the run is over before it starts.
  std::optional<PhaseOccurrence> Occurrence(int64_t n) const;
  // When the whole run ends (InfiniteFuture if never).
  absl::Time End() const;
  // Moves every occurrence by `d` (after a pause, or to start one now); the deadline stays.
  void Shift(absl::Duration d) { start_ += d; }
  // How far after the start occurrence `n` begins, deadline and loops aside.
  absl::Duration Offset(int64_t n) const;

  absl::Time start() const { return start_; }

 private:
  std::vector<absl::Duration> durations_;
  std::vector<absl::Duration> offsets_;  // start of each phase within a loop
  absl::Duration cycle_;
  absl::Time start_;
  int loops_;
  absl::Time deadline_;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_PLAN_PLAN_H_
