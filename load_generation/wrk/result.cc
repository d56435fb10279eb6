#include "load_generation/wrk/result.h"

#include <algorithm>
#include <cmath>

namespace loadgen {

void WrkErrors::Add(const WrkErrors& other) {
  connect += other.connect;
  read += other.read;
  write += other.write;
  status += other.status;
  timeout += other.timeout;
}

int64_t WrkValueAtPercentile(const LatencyHistogram& histogram, double percentile) {
  const int64_t total = histogram.Count();
  if (total == 0) return 0;
  const double p = std::min(percentile, 100.0);
  const int64_t wanted = std::max<int64_t>(std::llround(p / 100 * static_cast<double>(total)), 1);
  int64_t value = histogram.Max();
  bool found = false;
  histogram.ForEachBucket([&](int64_t, int64_t high, int64_t cumulative) {
    if (found || cumulative < wanted) return;
    value = high;
    found = true;
  });
  return std::min(value, histogram.Max());
}

double WrkStdDev(const LatencyHistogram& histogram) {
  const int64_t total = histogram.Count();
  if (total == 0) return 0;
  const double mean = histogram.Mean();
  double squares = 0;
  int64_t before = 0;
  histogram.ForEachBucket([&](int64_t low, int64_t high, int64_t cumulative) {
    const double middle = (low + high + 1) / 2.0;
    squares += (middle - mean) * (middle - mean) * static_cast<double>(cumulative - before);
    before = cumulative;
  });
  return std::sqrt(squares / total);
}

double WrkWithinStdDev(const LatencyHistogram& histogram) {
  const int64_t total = histogram.Count();
  if (total == 0) return 0;
  const double mean = histogram.Mean();
  const double stdev = WrkStdDev(histogram);
  int64_t within = 0;
  int64_t before = 0;
  histogram.ForEachBucket([&](int64_t low, int64_t high, int64_t cumulative) {
    const double middle = (low + high + 1) / 2.0;
    if (middle >= mean - stdev && middle <= mean + stdev) within += cumulative - before;
    before = cumulative;
  });
  return 100.0 * within / total;
}

SampleFigures FiguresOf(const std::vector<double>& samples) {
  SampleFigures f;
  if (samples.empty()) return f;
  f.min = *std::min_element(samples.begin(), samples.end());
  f.max = *std::max_element(samples.begin(), samples.end());
  for (double s : samples) f.mean += s;
  f.mean /= samples.size();
  for (double s : samples) f.stdev += (s - f.mean) * (s - f.mean);
  f.stdev = std::sqrt(f.stdev / samples.size());
  int within = 0;
  for (double s : samples) within += s >= f.mean - f.stdev && s <= f.mean + f.stdev;
  f.within_stdev = 100.0 * within / samples.size();
  return f;
}

}  // namespace loadgen
