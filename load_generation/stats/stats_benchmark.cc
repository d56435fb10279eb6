// Microbenchmarks of what every request costs in statistics: a histogram record, and a stats
// record under a name (the shard's lock and the table lookup included).
//   bazel run -c opt //load_generation/stats:stats_benchmark
// The suite runs each once, as a smoke test; it asserts no time.
#include <cstdint>

#include "benchmark/benchmark.h"
#include "load_generation/stats/histogram.h"
#include "load_generation/stats/stats.h"

namespace loadgen {
namespace {

void BM_HistogramRecord(benchmark::State& state) {
  LatencyHistogram histogram;
  int64_t value = 1;
  for (auto _ : state) {
    histogram.Record(value);
    value = (value * 7 + 13) % 2'000'000;  // spread over the buckets, 0..2 s
  }
  benchmark::DoNotOptimize(histogram.Count());
}
BENCHMARK(BM_HistogramRecord);

void BM_StatsShardRecord(benchmark::State& state) {
  StatsShard shard;
  const absl::Time now = absl::Now();
  int64_t latency = 1;
  for (auto _ : state) {
    shard.Record({.method = "GET",
                  .name = "/product/[id]",
                  .latency_us = latency,
                  .content_bytes = 2048,
                  .time = now});
    latency = (latency * 7 + 13) % 200'000;
  }
}
BENCHMARK(BM_StatsShardRecord);

void BM_StatsShardRecordFailure(benchmark::State& state) {
  StatsShard shard;
  const absl::Time now = absl::Now();
  for (auto _ : state) {
    shard.Record(
        {.method = "POST", .name = "/cart", .latency_us = 1500, .error = "HTTP 503", .time = now});
  }
}
BENCHMARK(BM_StatsShardRecordFailure);

}  // namespace
}  // namespace loadgen

BENCHMARK_MAIN();
