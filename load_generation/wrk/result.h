#ifndef LOAD_GENERATION_WRK_RESULT_H_
#define LOAD_GENERATION_WRK_RESULT_H_

#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "load_generation/stats/histogram.h"

namespace loadgen {

// wrk's error counts: socket errors by where they happened, and responses with status > 399.
struct WrkErrors {
  int64_t connect = 0;
  int64_t read = 0;
  int64_t write = 0;
  int64_t status = 0;
  int64_t timeout = 0;

  void Add(const WrkErrors& other);
  bool any_socket_error() const { return connect || read || write || timeout; }
};

// What a wrk2 run measured, all threads together: what its report prints and done() sees.
struct WrkResult {
  absl::Duration runtime;
  int64_t requests = 0;  // responses received, whatever their status
  int64_t bytes = 0;     // read from the connections, headers included
  WrkErrors errors;
  LatencyHistogram latency;              // from each request's intended time (corrected)
  LatencyHistogram uncorrected_latency;  // from when it was sent
  std::vector<double> requests_per_s;    // each thread's rate in each second of the run
};

// HdrHistogram's way of reading a histogram, which wrk2's figures follow.
// The highest value of the first bucket whose cumulative count reaches round(p% of the count)
// (at least 1), but never above the largest value recorded; 0 when empty.
int64_t WrkValueAtPercentile(const LatencyHistogram& histogram, double percentile);
// The standard deviation of the values, each taken at its bucket's middle; 0 when empty.
double WrkStdDev(const LatencyHistogram& histogram);
// The share of values within one standard deviation of the mean, in percent.
double WrkWithinStdDev(const LatencyHistogram& histogram);

// The same figures for a list of samples (the requests-per-second samples).
struct SampleFigures {
  double min = 0, max = 0, mean = 0, stdev = 0, within_stdev = 0;
};
SampleFigures FiguresOf(const std::vector<double>& samples);

}  // namespace loadgen

#endif  // LOAD_GENERATION_WRK_RESULT_H_
