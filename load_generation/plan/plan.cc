#include "load_generation/plan/plan.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace loadgen {

std::vector<int> SplitByRatio(int total, absl::Span<const int> weights) {
  std::vector<int> parts(weights.size(), 0);
  int64_t weight_sum = 0;
  for (int w : weights) weight_sum += w;
  if (weight_sum <= 0 || total <= 0) return parts;

  // Remainders as exact fractions of weight_sum: no floating point, no platform differences.
  std::vector<std::pair<int64_t, size_t>> remainders;
  int64_t assigned = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    int64_t exact = int64_t{total} * weights[i];
    parts[i] = static_cast<int>(exact / weight_sum);
    assigned += parts[i];
    remainders.push_back({exact % weight_sum, i});
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (int64_t k = 0; k < total - assigned; ++k) ++parts[remainders[k].second];
  return parts;
}

std::vector<int> ShardShare(absl::Span<const int> counts, int shard_index, int shard_count) {
  std::vector<int> share(counts.size(), 0);
  int64_t first_unit = 0;  // index of the first unit of counts[i] in the end-to-end sequence
  for (size_t i = 0; i < counts.size(); ++i) {
    // Units u in [first_unit, first_unit + counts[i]) with u % shard_count == shard_index.
    auto units_below = [&](int64_t end) {
      return end <= shard_index ? 0 : (end - shard_index - 1) / shard_count + 1;
    };
    share[i] = static_cast<int>(units_below(first_unit + counts[i]) - units_below(first_unit));
    first_unit += counts[i];
  }
  return share;
}

PhaseTimeline::PhaseTimeline(std::vector<absl::Duration> durations, absl::Time start, int loops,
                             absl::Time deadline)
    : durations_(std::move(durations)), start_(start), loops_(loops), deadline_(deadline) {
  cycle_ = absl::ZeroDuration();
  for (absl::Duration d : durations_) {
    offsets_.push_back(cycle_);
    cycle_ += d;
  }
}

std::optional<PhaseOccurrence> PhaseTimeline::Occurrence(int64_t n) const {
  if (durations_.empty() || n < 0) return std::nullopt;
  const int64_t phases = static_cast<int64_t>(durations_.size());
  PhaseOccurrence occurrence;
  occurrence.number = n;
  occurrence.loop = static_cast<int>(n / phases);
  occurrence.phase = static_cast<int>(n % phases);
  if (loops_ > 0 && occurrence.loop >= loops_) return std::nullopt;
  occurrence.start = start_ + cycle_ * occurrence.loop + offsets_[occurrence.phase];
  if (occurrence.start >= deadline_) return std::nullopt;
  occurrence.end = std::min(occurrence.start + durations_[occurrence.phase], deadline_);
  return occurrence;
}

absl::Duration PhaseTimeline::Offset(int64_t n) const {
  const int64_t phases = static_cast<int64_t>(durations_.size());
  return cycle_ * (n / phases) + offsets_[n % phases];
}

absl::Time PhaseTimeline::End() const {
  absl::Time end = deadline_;
  if (loops_ > 0) end = std::min(end, start_ + cycle_ * loops_);
  return end;
}

}  // namespace loadgen
