#include "load_generation/plan/arrivals.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace loadgen {
namespace {

// A draw of k / E[k], where k in 1..100 has probability proportional to 1 / k^3: a gap whose
// mean is 1.
double ZipfGapOfMean1(std::mt19937_64& rng) {
  constexpr int kValues = 100;
  struct Table {
    std::array<double, kValues> cumulative;  // P(k <= i + 1)
    double mean = 0;
  };
  static const Table table = [] {
    Table t;
    double sum = 0;
    for (int k = 1; k <= kValues; ++k) sum += 1 / std::pow(k, 3.0);
    double running = 0;
    for (int k = 1; k <= kValues; ++k) {
      const double p = 1 / std::pow(k, 3.0) / sum;
      running += p;
      t.cumulative[k - 1] = running;
      t.mean += k * p;
    }
    t.cumulative.back() = 1;
    return t;
  }();
  const double u = std::uniform_real_distribution<double>(0, 1)(rng);
  const auto at = std::lower_bound(table.cumulative.begin(), table.cumulative.end(), u);
  return static_cast<double>(at - table.cumulative.begin() + 1) / table.mean;
}

}  // namespace

double ArrivalRate::At(absl::Duration t) const {
  const double d = absl::ToDoubleSeconds(duration);
  if (d <= 0) return start_per_s;
  return start_per_s + (end_per_s - start_per_s) * absl::ToDoubleSeconds(t) / d;
}

double ArrivalRate::Expected(absl::Duration t) const {
  const double s = absl::ToDoubleSeconds(t);
  return s * (start_per_s + At(t)) / 2;
}

ArrivalSchedule::ArrivalSchedule(const ArrivalRate& rate, int index, int count, uint64_t seed)
    : rate_(rate),
      count_(std::max(count, 1)),
      total_(rate.duration > absl::ZeroDuration() ? rate.Expected(rate.duration) : 0),
      rng_(seed) {
  switch (rate_.distribution) {
    case ArrivalDistribution::kExponential:
    case ArrivalDistribution::kZipf:
      next_expected_ = Gap(0);
      break;
    case ArrivalDistribution::kFixed:
    case ArrivalDistribution::kNormal:
      next_expected_ = index;  // the streams' first arrivals interleave
      break;
  }
}

std::optional<absl::Duration> ArrivalSchedule::Next() {
  if (!(next_expected_ < total_)) return std::nullopt;
  const double expected = next_expected_;
  next_expected_ += Gap(expected);
  return OffsetOf(expected);
}

absl::Duration ArrivalSchedule::OffsetOf(double expected) const {
  // Expected(t) = r0 t + a t^2 with a = (r1 - r0) / (2 d); the root of a t^2 + r0 t - e = 0,
  // written so that it holds for a = 0 and a < 0 alike without cancellation.
  const double r0 = rate_.start_per_s;
  const double a = (rate_.end_per_s - r0) / (2 * absl::ToDoubleSeconds(rate_.duration));
  const double root = std::sqrt(std::max(r0 * r0 + 4 * a * expected, 0.0));
  const double denominator = r0 + root;
  const double t = denominator > 0 ? 2 * expected / denominator : 0;
  return std::min(absl::Seconds(t), rate_.duration);
}

double ArrivalSchedule::Gap(double at_expected) {
  switch (rate_.distribution) {
    case ArrivalDistribution::kFixed:
      return count_;
    case ArrivalDistribution::kExponential:
      return count_ * std::exponential_distribution<double>(1.0)(rng_);
    case ArrivalDistribution::kNormal: {
      // The gap in seconds is normal around count / rate; in expected arrivals, times the rate.
      const double rate = std::max(rate_.At(OffsetOf(at_expected)), 1e-9);
      const double gap_s = std::normal_distribution<double>(
          count_ / rate, absl::ToDoubleSeconds(rate_.stddev))(rng_);
      // A gap of 0 would never move on; the least is a nanosecond's worth.
      return std::max(gap_s, 1e-9) * rate;
    }
    case ArrivalDistribution::kZipf:
      return count_ * ZipfGapOfMean1(rng_);
  }
  return count_;
}

WeightedSequence::WeightedSequence(std::vector<int> weights)
    : weights_(std::move(weights)), credit_(weights_.size(), 0) {
  for (int w : weights_) total_ += w;
}

int WeightedSequence::Next() {
  int best = 0;
  for (size_t i = 0; i < weights_.size(); ++i) {
    credit_[i] += weights_[i];
    if (credit_[i] > credit_[best]) best = static_cast<int>(i);
  }
  credit_[best] -= total_;
  return best;
}

}  // namespace loadgen
