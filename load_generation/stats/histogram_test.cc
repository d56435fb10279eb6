#include "load_generation/stats/histogram.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace loadgen {
namespace {

constexpr double kQuantiles[] = {0.0,  0.01, 0.5,  0.66,  0.75,   0.8, 0.9,
                                 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0};

int64_t ExactQuantile(const std::vector<int64_t>& sorted, double q) {
  auto rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(q * sorted.size())));
  return sorted[rank - 1];
}

void ExpectWithinErrorBound(const LatencyHistogram& h, std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  ASSERT_EQ(h.Count(), static_cast<int64_t>(values.size()));
  EXPECT_EQ(h.Min(), values.front());
  EXPECT_EQ(h.Max(), values.back());
  for (double q : kQuantiles) {
    int64_t exact = ExactQuantile(values, q);
    int64_t got = h.ValueAtQuantile(q);
    EXPECT_LE(std::abs(got - exact), exact / 1000.0) << "q=" << q << " exact=" << exact;
    EXPECT_GE(got, h.Min());
    EXPECT_LE(got, h.Max());
  }
}

TEST(LatencyHistogram, EmptyReportsZeros) {
  LatencyHistogram h;
  EXPECT_EQ(h.Count(), 0);
  EXPECT_EQ(h.ValueAtQuantile(0.5), 0);
  EXPECT_EQ(h.Max(), 0);
  EXPECT_EQ(h.Mean(), 0.0);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  std::vector<int64_t> values;
  for (int64_t v = 0; v < 512; ++v) {
    h.Record(v);
    values.push_back(v);
  }
  for (double q : kQuantiles) EXPECT_EQ(h.ValueAtQuantile(q), ExactQuantile(values, q));
}

TEST(LatencyHistogram, PercentilesWithinATenthOfAPercentOverWideRanges) {
  std::mt19937_64 rng(7);
  // Log-normal latencies from ~50 us to minutes, as real services show.
  std::lognormal_distribution<double> dist(9.0, 2.0);
  LatencyHistogram h;
  std::vector<int64_t> values;
  for (int i = 0; i < 200000; ++i) {
    auto v = static_cast<int64_t>(dist(rng));
    h.Record(v);
    values.push_back(v);
  }
  ExpectWithinErrorBound(h, values);
  EXPECT_NEAR(h.Mean(),
              static_cast<double>(std::accumulate(values.begin(), values.end(), int64_t{0})) /
                  values.size(),
              1e-6);
}

TEST(LatencyHistogram, MergeEqualsOneHistogramOfAllValues) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int64_t> fast(100, 5000), slow(20000, 4000000);
  LatencyHistogram a, b, all;
  std::vector<int64_t> values;
  for (int i = 0; i < 50000; ++i) {
    int64_t x = fast(rng), y = slow(rng);
    a.Record(x);
    b.Record(y);
    all.Record(x);
    all.Record(y);
    values.push_back(x);
    values.push_back(y);
  }
  LatencyHistogram merged = a;
  merged.Merge(b);
  EXPECT_EQ(merged.Count(), all.Count());
  EXPECT_EQ(merged.Sum(), all.Sum());
  for (double q : kQuantiles) EXPECT_EQ(merged.ValueAtQuantile(q), all.ValueAtQuantile(q));
  ExpectWithinErrorBound(merged, values);
}

TEST(LatencyHistogram, SubtractingAnOlderSnapshotLeavesTheNewValues) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> old_values(100, 900), new_values(5000, 90000);
  LatencyHistogram running;
  for (int i = 0; i < 10000; ++i) running.Record(old_values(rng));
  const LatencyHistogram snapshot = running;
  LatencyHistogram recent;
  std::vector<int64_t> values;
  for (int i = 0; i < 10000; ++i) {
    int64_t v = new_values(rng);
    running.Record(v);
    recent.Record(v);
    values.push_back(v);
  }
  running.Subtract(snapshot);
  EXPECT_EQ(running.Count(), recent.Count());
  EXPECT_EQ(running.Sum(), recent.Sum());
  for (double q : {0.5, 0.95, 0.99})
    EXPECT_EQ(running.ValueAtQuantile(q), recent.ValueAtQuantile(q));
  EXPECT_NEAR(running.Min(), recent.Min(), recent.Min() / 500.0);
  EXPECT_NEAR(running.Max(), recent.Max(), recent.Max() / 500.0);
  running.Subtract(recent);
  EXPECT_EQ(running.Count(), 0);
  EXPECT_EQ(running.ValueAtQuantile(0.5), 0);
}

TEST(LatencyHistogram, PercentileNeverExceedsMax) {
  LatencyHistogram h;
  for (int i = 0; i < 99; ++i) h.Record(1000);
  h.Record(123457);  // the one slow request is the max, and p99.99 is not above it
  EXPECT_EQ(h.ValueAtQuantile(1.0), 123457);
  EXPECT_EQ(h.ValueAtQuantile(0.9999), 123457);
  EXPECT_EQ(h.ValueAtQuantile(0.99), 1000);
}

TEST(LatencyHistogram, CopyIsIndependentAndBucketsAreCumulative) {
  LatencyHistogram h;
  h.Record(10);
  h.Record(10);
  h.Record(5000);
  LatencyHistogram copy = h;
  h.Record(7);
  EXPECT_EQ(copy.Count(), 3);
  int64_t last_cumulative = 0, last_bound = -1;
  copy.ForEachBucket([&](int64_t low, int64_t bound, int64_t cumulative) {
    EXPECT_GT(low, last_bound);
    EXPECT_GE(bound, low);
    EXPECT_GT(cumulative, last_cumulative);
    last_bound = bound;
    last_cumulative = cumulative;
  });
  EXPECT_EQ(last_cumulative, 3);
  EXPECT_GE(last_bound, 5000);
  EXPECT_LT(last_bound, 5000 + 5000 / 512);
}

TEST(LatencyHistogram, RebuiltFromItsBucketsItIsTheSame) {
  LatencyHistogram h;
  for (int64_t v : {0, 3, 511, 512, 1000, 1001, 123456, 99999999}) h.Record(v);
  std::vector<std::pair<int64_t, int64_t>> buckets;
  int64_t before = 0;
  h.ForEachBucket([&](int64_t low, int64_t /*high*/, int64_t cumulative) {
    buckets.emplace_back(low, cumulative - before);
    before = cumulative;
  });
  LatencyHistogram copy = LatencyHistogram::FromBuckets(buckets, h.Min(), h.Max(), h.Sum());
  EXPECT_EQ(copy.Count(), h.Count());
  EXPECT_EQ(copy.Min(), h.Min());
  EXPECT_EQ(copy.Max(), h.Max());
  EXPECT_EQ(copy.Mean(), h.Mean());
  for (int i = 0; i <= 100; ++i)
    EXPECT_EQ(copy.ValueAtQuantile(i / 100.0), h.ValueAtQuantile(i / 100.0));
  EXPECT_EQ(LatencyHistogram::FromBuckets({}, 5, 6, 7).Count(), 0);
}

}  // namespace
}  // namespace loadgen
