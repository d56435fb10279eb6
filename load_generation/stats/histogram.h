#ifndef LOAD_GENERATION_STATS_HISTOGRAM_H_
#define LOAD_GENERATION_STATS_HISTOGRAM_H_

#include <array>
#include <cstdint>
#include <memory>
#include <utility>

#include "absl/types/span.h"

namespace loadgen {

// Microseconds, the histogram's unit, as milliseconds, the unit reports show.
inline double UsToMs(int64_t us) { return us / 1000.0; }

// A latency histogram in the manner of HdrHistogram: values (microseconds) below 512 are kept
// exactly; above, each power of two is split into 512 equal buckets. Any percentile it reports is
// within 0.1% of a value actually recorded at that rank, and never outside [Min(), Max()]. Merging
// two histograms is exact: the result is the histogram of both sets of values.
//
// Recording allocates only the first time a value lands in a new power of two.
class LatencyHistogram {
 public:
  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram& other);
  LatencyHistogram& operator=(const LatencyHistogram& other);
  LatencyHistogram(LatencyHistogram&&) noexcept = default;
  LatencyHistogram& operator=(LatencyHistogram&&) noexcept = default;

  // The histogram whose non-empty buckets hold `buckets` values each, keyed by a value in the
  // bucket (ForEachBucket's low_us), with exact `min`, `max` and `sum`: a histogram sent across
  // a process boundary and rebuilt, equal to the original in every figure.
  static LatencyHistogram FromBuckets(absl::Span<const std::pair<int64_t, int64_t>> buckets,
                                      int64_t min, int64_t max, int64_t sum);

  // Records one value; negative values count as 0.
  void Record(int64_t value_us);
  // Adds every value recorded in `other`.
  void Merge(const LatencyHistogram& other);
  // Removes the values of `earlier`, a histogram this one was built on (an older snapshot of
  // the same recording), leaving those recorded since. Min() and Max() of the result are the
  // bounds of its lowest and highest non-empty buckets, not exact values.
  void Subtract(const LatencyHistogram& earlier);
  void Clear();

  int64_t Count() const { return count_; }
  int64_t Min() const { return count_ ? min_ : 0; }
  int64_t Max() const { return count_ ? max_ : 0; }
  double Mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }
  int64_t Sum() const { return sum_; }

  // The value at rank ceil(q * Count()) of the sorted values (q in [0, 1]); 0 when empty.
  int64_t ValueAtQuantile(double q) const;

  // Calls `fn(low_us, high_us, cumulative_count)` for each non-empty bucket in increasing order:
  // the bucket holds values in [low_us, high_us], and `cumulative_count` values are <= high_us.
  // For Prometheus-style exports.
  template <typename Fn>
  void ForEachBucket(Fn fn) const;

  static constexpr int kSubBucketBits = 9;  // 512 buckets a power of two: <= 1/1024 error
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  static constexpr int kOctaves = 64 - kSubBucketBits;

 private:
  using Block = std::array<int64_t, kSubBuckets>;

  // Block 0 holds values [0, 512) exactly; block k >= 1 holds [512 << (k-1), 512 << k).
  static int BlockOf(int64_t value);
  // The count of the bucket holding `value` (>= 0), its block made if need be.
  int64_t& BucketOf(int64_t value);
  static int64_t BucketLow(int block, int index);
  static int64_t BucketWidth(int block);

  std::array<std::unique_ptr<Block>, kOctaves> blocks_;
  int64_t count_ = 0;
  int64_t sum_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
};

template <typename Fn>
void LatencyHistogram::ForEachBucket(Fn fn) const {
  int64_t cumulative = 0;
  for (int b = 0; b < kOctaves; ++b) {
    if (!blocks_[b]) continue;
    for (int i = 0; i < kSubBuckets; ++i) {
      int64_t n = (*blocks_[b])[i];
      if (n == 0) continue;
      cumulative += n;
      fn(BucketLow(b, i), BucketLow(b, i) + BucketWidth(b) - 1, cumulative);
    }
  }
}

}  // namespace loadgen

#endif  // LOAD_GENERATION_STATS_HISTOGRAM_H_
