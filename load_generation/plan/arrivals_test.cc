#include "load_generation/plan/arrivals.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

std::vector<double> Times(ArrivalSchedule schedule) {
  std::vector<double> times;
  while (auto t = schedule.Next()) times.push_back(absl::ToDoubleSeconds(*t));
  return times;
}

ArrivalRate Constant(double rate, absl::Duration duration,
                     ArrivalDistribution distribution = ArrivalDistribution::kFixed) {
  return {
      .start_per_s = rate, .end_per_s = rate, .duration = duration, .distribution = distribution};
}

std::vector<double> Gaps(const std::vector<double>& times) {
  std::vector<double> gaps;
  for (size_t i = 1; i < times.size(); ++i) gaps.push_back(times[i] - times[i - 1]);
  return gaps;
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / v.size();
}

double CoefficientOfVariation(const std::vector<double>& v) {
  const double mean = Mean(v);
  double squares = 0;
  for (double x : v) squares += (x - mean) * (x - mean);
  return std::sqrt(squares / v.size()) / mean;
}

TEST(ArrivalScheduleTest, FixedRateGivesRateTimesDurationArrivalsEvenlySpaced) {
  for (double rate : {1.0, 3.0, 7.5, 100.0, 1234.5}) {
    for (absl::Duration d : {absl::Seconds(1), absl::Milliseconds(2500), absl::Seconds(10)}) {
      const std::vector<double> times = Times(ArrivalSchedule(Constant(rate, d), 0, 1, 1));
      const double expected = rate * absl::ToDoubleSeconds(d);
      EXPECT_NEAR(times.size(), expected, 1.0) << rate << "/s for " << d;
      EXPECT_EQ(times.front(), 0);
      EXPECT_LT(times.back(), absl::ToDoubleSeconds(d));
      for (double gap : Gaps(times)) EXPECT_NEAR(gap, 1 / rate, 1e-9);
    }
  }
}

TEST(ArrivalScheduleTest, LinearRampHasTheIntegralsCountAndShape) {
  // 100/s to 300/s over 10 s: 2000 arrivals, 1/4 of them in the first 4.0 s... exactly the
  // integral of the rate up to each time, within one.
  const ArrivalRate ramp{.start_per_s = 100, .end_per_s = 300, .duration = absl::Seconds(10)};
  const std::vector<double> times = Times(ArrivalSchedule(ramp, 0, 1, 1));
  EXPECT_NEAR(times.size(), 2000, 1);
  for (double t : {1.0, 2.5, 5.0, 7.5, 9.9}) {
    const auto before = std::lower_bound(times.begin(), times.end(), t) - times.begin();
    EXPECT_NEAR(before, ramp.Expected(absl::Seconds(t)), 1.0) << t;
  }
  // The gaps shrink as the rate grows: 1/100 s at the start, 1/300 s at the end.
  const std::vector<double> gaps = Gaps(times);
  EXPECT_NEAR(gaps.front(), 0.01, 1e-4);
  EXPECT_NEAR(gaps.back(), 1.0 / 300, 1e-4);

  // Down to 0: half the rate's start times the duration.
  const ArrivalRate down{.start_per_s = 50, .end_per_s = 0, .duration = absl::Seconds(4)};
  EXPECT_NEAR(Times(ArrivalSchedule(down, 0, 1, 1)).size(), 100, 1);
}

TEST(ArrivalScheduleTest, FixedStreamsTogetherMakeTheWholeRateExactly) {
  const ArrivalRate rate = Constant(1000, absl::Seconds(3));
  const std::vector<double> whole = Times(ArrivalSchedule(rate, 0, 1, 1));
  std::vector<double> merged;
  for (int i = 0; i < 6; ++i) {
    const std::vector<double> part = Times(ArrivalSchedule(rate, i, 6, 1));
    EXPECT_NEAR(part.size(), whole.size() / 6.0, 1);
    merged.insert(merged.end(), part.begin(), part.end());
  }
  std::sort(merged.begin(), merged.end());
  ASSERT_EQ(merged.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) EXPECT_NEAR(merged[i], whole[i], 1e-9);
}

// 10^5 gaps of a rate of 1000/s: a mean gap of 1 ms.
constexpr int kGaps = 100000;
const ArrivalRate kThousand =
    Constant(1000, absl::Seconds(kGaps / 1000.0 + 1), ArrivalDistribution::kExponential);

std::vector<double> FirstGaps(ArrivalRate rate, int count = 1) {
  std::vector<double> gaps = Gaps(Times(ArrivalSchedule(rate, 0, count, 42)));
  gaps.resize(std::min<size_t>(gaps.size(), kGaps));
  return gaps;
}

TEST(ArrivalScheduleTest, ExponentialGapsArePoisson) {
  const std::vector<double> gaps = FirstGaps(kThousand);
  ASSERT_EQ(gaps.size(), kGaps);
  EXPECT_NEAR(Mean(gaps), 0.001, 0.001 * 0.01);
  EXPECT_NEAR(CoefficientOfVariation(gaps), 1.0, 0.02);
  // Kolmogorov-Smirnov against the exponential with the asked mean: D * sqrt(n) under 1.36
  // (the 5 % critical value).
  std::vector<double> sorted = gaps;
  std::sort(sorted.begin(), sorted.end());
  double d = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const double cdf = 1 - std::exp(-sorted[i] / 0.001);
    d = std::max({d, std::abs(cdf - static_cast<double>(i) / sorted.size()),
                  std::abs(cdf - static_cast<double>(i + 1) / sorted.size())});
  }
  EXPECT_LT(d * std::sqrt(static_cast<double>(sorted.size())), 1.36);
  // A fixed schedule of the same rate fails the same test by far: the test can tell.
  ArrivalRate fixed = kThousand;
  fixed.distribution = ArrivalDistribution::kFixed;
  EXPECT_NEAR(CoefficientOfVariation(FirstGaps(fixed)), 0.0, 1e-6);
}

TEST(ArrivalScheduleTest, ExponentialStreamsShareTheRate) {
  // One of 4 streams: a quarter of the rate, still exponential.
  const std::vector<double> gaps = FirstGaps(kThousand, 4);
  EXPECT_NEAR(Mean(gaps), 0.004, 0.004 * 0.01);
  EXPECT_NEAR(CoefficientOfVariation(gaps), 1.0, 0.02);
}

TEST(ArrivalScheduleTest, NormalGapsHaveTheAskedMeanAndDeviation) {
  ArrivalRate rate = kThousand;
  rate.distribution = ArrivalDistribution::kNormal;
  rate.stddev = absl::Microseconds(200);
  const std::vector<double> gaps = FirstGaps(rate);
  ASSERT_EQ(gaps.size(), kGaps);
  EXPECT_NEAR(Mean(gaps), 0.001, 0.001 * 0.01);
  EXPECT_NEAR(CoefficientOfVariation(gaps), 0.2, 0.01);
}

TEST(ArrivalScheduleTest, ZipfGapsAreMostlyShortWithTheAskedMean) {
  ArrivalRate rate = kThousand;
  rate.distribution = ArrivalDistribution::kZipf;
  const std::vector<double> gaps = FirstGaps(rate);
  ASSERT_EQ(gaps.size(), kGaps);
  // k / E[k] with P(k) ~ 1 / k^3 on 1..100: E[k] = 1.3602, coefficient of variation 1.154.
  EXPECT_NEAR(Mean(gaps), 0.001, 0.001 * 0.015);
  EXPECT_NEAR(CoefficientOfVariation(gaps), 1.154, 0.1);
  const double shortest = 0.001 / 1.3602;
  const double share_shortest =
      std::count_if(gaps.begin(), gaps.end(),
                    [&](double g) { return std::abs(g - shortest) < shortest * 0.01; }) /
      static_cast<double>(gaps.size());
  EXPECT_NEAR(share_shortest, 1 / 1.2020, 0.01);  // P(k = 1) = 1 / sum(1 / k^3)
  EXPECT_LE(*std::max_element(gaps.begin(), gaps.end()), 100 * shortest * 1.0001);
}

TEST(ArrivalScheduleTest, SameSeedSameTimes) {
  EXPECT_EQ(Times(ArrivalSchedule(
                Constant(500, absl::Seconds(2), ArrivalDistribution::kExponential), 0, 1, 7)),
            Times(ArrivalSchedule(
                Constant(500, absl::Seconds(2), ArrivalDistribution::kExponential), 0, 1, 7)));
}

TEST(ArrivalScheduleTest, NoTimeNoArrivals) {
  EXPECT_TRUE(Times(ArrivalSchedule(Constant(100, absl::ZeroDuration()), 0, 1, 1)).empty());
}

TEST(WeightedSequenceTest, EveryPrefixHasEachShareWithinOne) {
  for (const std::vector<int>& weights :
       std::vector<std::vector<int>>{{1}, {1, 1}, {1, 2, 3}, {5, 1}, {7, 3, 1, 1}, {100, 1}}) {
    WeightedSequence sequence(weights);
    double total = 0;
    for (int w : weights) total += w;
    std::vector<int> counts(weights.size(), 0);
    for (int n = 1; n <= 1000; ++n) {
      ++counts[sequence.Next()];
      for (size_t i = 0; i < weights.size(); ++i) {
        ASSERT_LT(std::abs(counts[i] - n * weights[i] / total), 1.0)
            << "weights " << ::testing::PrintToString(weights) << " after " << n;
      }
    }
  }
}

}  // namespace
}  // namespace loadgen
