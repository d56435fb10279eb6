#ifndef LOAD_GENERATION_PLAN_ARRIVALS_H_
#define LOAD_GENERATION_PLAN_ARRIVALS_H_

// When the arrivals of an open phase come, and which user type each goes to. No I/O, no clocks:
// times are offsets from the phase's start.

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "absl/time/time.h"

namespace loadgen {

enum class ArrivalDistribution { kFixed, kExponential, kNormal, kZipf };

// The rate of an open phase: `start_per_s` at its start, moving linearly to `end_per_s` at
// `duration` (equal for a constant rate).
struct ArrivalRate {
  double start_per_s = 0;
  double end_per_s = 0;
  absl::Duration duration;
  ArrivalDistribution distribution = ArrivalDistribution::kFixed;
  absl::Duration stddev;  // of the gaps, for kNormal

  // The rate at `t` after the start.
  double At(absl::Duration t) const;
  // How many arrivals the rate makes from the start to `t`: its integral.
  double Expected(absl::Duration t) const;
};

// The arrival times of stream `index` of `count` streams that share a rate (the event loops of
// all shards). Each stream takes 1/count of the rate; together they make it:
//   - kFixed: arrival k of the whole rate comes when Expected(t) reaches k (k = 0, 1, ...), and
//     stream i takes those with k % count == i, so all streams together have even gaps and
//     exactly ceil(Expected(duration)) arrivals.
//   - kExponential: each stream is a Poisson process of 1/count of the rate (exponential gaps,
//     changing with the rate on a ramp), so together they are a Poisson process of the rate.
//   - kNormal: each stream's gaps are normal, with mean count / rate (the rate where the gap
//     begins) and the stddev asked, truncated at 0; with one stream, the gaps asked exactly.
//   - kZipf: each stream's gaps are k times count / rate / E[k], where k in 1..100 is drawn
//     with probability proportional to 1 / k^3 (the DeathStarBench wrk2's -D zipf): the mean
//     gap is count / rate, most gaps are shorter, a few are many times longer.
// Same seed, same times.
class ArrivalSchedule {
 public:
  ArrivalSchedule(const ArrivalRate& rate, int index, int count, uint64_t seed);

  // The next arrival's offset from the start, or nullopt once the next would come at or after
  // the end of `duration`.
  std::optional<absl::Duration> Next();

 private:
  // The offset at which Expected() reaches `expected`.
  absl::Duration OffsetOf(double expected) const;
  // The next gap in expected arrivals (1 on average for the whole rate; `count_` for a stream).
  double Gap(double at_expected);

  ArrivalRate rate_;
  int count_;
  double total_;          // Expected(duration)
  double next_expected_;  // where the next arrival comes, in expected arrivals
  std::mt19937_64 rng_;
};

// Which of several weighted choices each of a sequence of arrivals gets: after n draws, choice i
// has been drawn within 1 of n * weights[i] / sum(weights) times (smooth weighted round robin).
// Weights must be > 0.
class WeightedSequence {
 public:
  explicit WeightedSequence(std::vector<int> weights);
  int Next();

 private:
  std::vector<int> weights_;
  std::vector<int64_t> credit_;
  int64_t total_ = 0;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_PLAN_ARRIVALS_H_
