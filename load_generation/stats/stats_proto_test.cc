#include "load_generation/stats/stats_proto.h"

#include <random>

#include "gtest/gtest.h"

namespace loadgen {
namespace {

namespace control = pl::demos::load_generation;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

TEST(MergePhaseStats, ShardsMergeAsOneHistogramOfEverySample) {
  // Three shards with different latency distributions; one table holds every sample.
  std::mt19937_64 random(3);
  StatsTable all;
  std::vector<control::PhaseStats> shards(3);
  for (int shard = 0; shard < 3; ++shard) {
    StatsTable table;
    std::lognormal_distribution<double> ms(std::log(5.0 * (shard + 1)), 0.5 + shard * 0.3);
    for (int i = 0; i < 5000 * (shard + 1); ++i) {
      RequestSample sample{"GET", i % 3 ? "/a" : "/b",           std::llround(ms(random) * 1000),
                           100,   i % 97 == 0 ? "HTTP 503" : "", kT0};
      table.Record(sample);
      all.Record(sample);
    }
    FillTable(table, absl::Seconds(10 + shard), /*histograms=*/true, &shards[shard]);
  }
  const control::PhaseStats merged = MergePhaseStats({&shards[0], &shards[1], &shards[2]});
  control::PhaseStats expected;
  FillTable(all, absl::Seconds(12), /*histograms=*/true, &expected);

  ASSERT_EQ(merged.requests_size(), 2);
  for (int i = 0; i < 2; ++i) {
    const control::RequestStatsRow& m = merged.requests(i);
    const control::RequestStatsRow& e = expected.requests(i);
    EXPECT_EQ(m.name(), e.name());
    EXPECT_EQ(m.requests(), e.requests());
    EXPECT_EQ(m.failures(), e.failures());
    EXPECT_EQ(m.p50_ms(), e.p50_ms()) << m.name();
    EXPECT_EQ(m.p90_ms(), e.p90_ms());
    EXPECT_EQ(m.p95_ms(), e.p95_ms());
    EXPECT_EQ(m.p99_ms(), e.p99_ms());
    EXPECT_EQ(m.p999_ms(), e.p999_ms());
    EXPECT_EQ(m.min_ms(), e.min_ms());
    EXPECT_EQ(m.max_ms(), e.max_ms());
    EXPECT_DOUBLE_EQ(m.average_ms(), e.average_ms());
    EXPECT_DOUBLE_EQ(m.requests_per_s(), e.requests_per_s());
  }
  EXPECT_EQ(merged.aggregated().requests(), 30000);
  EXPECT_EQ(merged.aggregated().p99_ms(), expected.aggregated().p99_ms());
  EXPECT_EQ(merged.aggregated().content_bytes(), 3000000);
  ASSERT_EQ(merged.failures_size(), 2);
  EXPECT_EQ(merged.failures(0).occurrences() + merged.failures(1).occurrences(),
            expected.failures(0).occurrences() + expected.failures(1).occurrences());
  EXPECT_EQ(merged.duration_s(), 12);

  // Averaging the shards' p99s, as a naive merge would, is not the same figure.
  double mean_p99 = 0;
  for (const auto& s : shards) mean_p99 += s.aggregated().p99_ms() / 3;
  EXPECT_NE(mean_p99, merged.aggregated().p99_ms());
}

TEST(FillRow, WithoutHistogramsRowsStaySmall) {
  StatsTable table;
  table.Record({"GET", "/", 1000, 0, "", kT0});
  control::PhaseStats out;
  FillTable(table, absl::Seconds(1), /*histograms=*/false, &out);
  EXPECT_FALSE(out.requests(0).has_latency());
  EXPECT_EQ(out.requests(0).p50_ms(), 1.0);
}

}  // namespace
}  // namespace loadgen
