#include "load_generation/stats/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace loadgen {

LatencyHistogram::LatencyHistogram(const LatencyHistogram& other) { *this = other; }

LatencyHistogram& LatencyHistogram::operator=(const LatencyHistogram& other) {
  if (this == &other) return *this;
  for (int b = 0; b < kOctaves; ++b) {
    blocks_[b] = other.blocks_[b] ? std::make_unique<Block>(*other.blocks_[b]) : nullptr;
  }
  count_ = other.count_;
  sum_ = other.sum_;
  min_ = other.min_;
  max_ = other.max_;
  return *this;
}

int LatencyHistogram::BlockOf(int64_t value) {
  if (value < kSubBuckets) return 0;
  return std::bit_width(static_cast<uint64_t>(value)) - kSubBucketBits;
}

int64_t LatencyHistogram::BucketWidth(int block) {
  return block == 0 ? 1 : int64_t{1} << (block - 1);
}

int64_t LatencyHistogram::BucketLow(int block, int index) {
  if (block == 0) return index;
  return (int64_t{kSubBuckets} + index) << (block - 1);
}

int64_t& LatencyHistogram::BucketOf(int64_t value) {
  const int block = BlockOf(value);
  const int index =
      block == 0 ? static_cast<int>(value) : static_cast<int>((value >> (block - 1)) - kSubBuckets);
  if (!blocks_[block]) blocks_[block] = std::make_unique<Block>();
  return (*blocks_[block])[index];
}

LatencyHistogram LatencyHistogram::FromBuckets(
    absl::Span<const std::pair<int64_t, int64_t>> buckets, int64_t min, int64_t max, int64_t sum) {
  LatencyHistogram h;
  for (const auto& [value, count] : buckets) {
    if (count <= 0) continue;
    h.BucketOf(std::max<int64_t>(value, 0)) += count;
    h.count_ += count;
  }
  if (h.count_ > 0) {
    h.min_ = min;
    h.max_ = max;
    h.sum_ = sum;
  }
  return h;
}

void LatencyHistogram::Record(int64_t value) {
  value = std::max<int64_t>(value, 0);
  ++BucketOf(value);
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = count_ == 0 ? value : std::max(max_, value);
  ++count_;
  sum_ += value;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (int b = 0; b < kOctaves; ++b) {
    if (!other.blocks_[b]) continue;
    if (!blocks_[b]) blocks_[b] = std::make_unique<Block>();
    for (int i = 0; i < kSubBuckets; ++i) (*blocks_[b])[i] += (*other.blocks_[b])[i];
  }
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

void LatencyHistogram::Subtract(const LatencyHistogram& earlier) {
  if (earlier.count_ == 0) return;
  count_ -= earlier.count_;
  sum_ -= earlier.sum_;
  bool found_min = false;
  for (int b = 0; b < kOctaves; ++b) {
    if (!blocks_[b]) continue;
    for (int i = 0; i < kSubBuckets; ++i) {
      if (earlier.blocks_[b]) (*blocks_[b])[i] -= (*earlier.blocks_[b])[i];
      if ((*blocks_[b])[i] == 0) continue;
      if (!found_min) min_ = BucketLow(b, i);
      found_min = true;
      max_ = BucketLow(b, i) + BucketWidth(b) - 1;
    }
  }
  if (count_ == 0) Clear();
}

void LatencyHistogram::Clear() { *this = LatencyHistogram(); }

int64_t LatencyHistogram::ValueAtQuantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(q * count_)));
  if (rank == 1) return min_;  // the extremes are known exactly
  if (rank >= count_) return max_;
  int64_t seen = 0;
  for (int b = 0; b < kOctaves; ++b) {
    if (!blocks_[b]) continue;
    for (int i = 0; i < kSubBuckets; ++i) {
      seen += (*blocks_[b])[i];
      if (seen >= rank) {
        // The middle of the bucket: at most half a bucket (1/1024 of the value) from the truth.
        int64_t mid = BucketLow(b, i) + (BucketWidth(b) - 1) / 2;
        return std::clamp(mid, min_, max_);
      }
    }
  }
  return max_;
}

}  // namespace loadgen
