#include "load_generation/runtime/thresholds.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

// Two phases: "steady" (closed) and "burst" (open), each run for 10 s.
LoadConfig Config(const std::string& thresholds) {
  absl::StatusOr<LoadConfig> config = ParseLoadConfig(
      R"pb(
            phases {
              name: "steady"
              user_types { name: "Normal" ratio: 1 }
              duration: 10
              num_users: 5
              hatch_rate_per_s: 5
            }
            phases {
              name: "burst"
              user_types { name: "Normal" ratio: 1 }
              duration: 10
              arrival_rate_per_s: 10
            }
      )pb" +
          thresholds,
      "load.pbtxt");
  EXPECT_TRUE(config.ok()) << config.status();
  return *config;
}

void Record(StatsTable& table, const char* name, int64_t latency_ms, int64_t corrected_ms = -1,
            const char* error = "") {
  table.Record({.method = "GET",
                .name = name,
                .latency_us = latency_ms * 1000,
                .error = error,
                .corrected_latency_us = corrected_ms < 0 ? -1 : corrected_ms * 1000});
}

// steady: 100 requests of "/" at 1..100 ms, 10 of "/cart" at 500 ms, one failed.
// burst: 50 of "/" answered in 2 ms but sent up to 200 ms late (corrected 2..200 ms).
StatsTotals Totals() {
  StatsTotals totals;
  for (int i = 1; i <= 100; ++i) Record(totals.by_phase[0], "/", i);
  for (int i = 0; i < 10; ++i)
    Record(totals.by_phase[0], "/cart", 500, -1, i == 0 ? "HTTP 503" : "");
  for (int64_t i = 1; i <= 50; ++i) Record(totals.by_phase[1], "/", 2, 4 * i);
  totals.phase_time = {{0, absl::Seconds(10)}, {1, absl::Seconds(10)}};
  totals.counted = absl::Seconds(20);
  return totals;
}

std::vector<ThresholdResult> Evaluate(const std::string& thresholds) {
  return EvaluateThresholds(Config(thresholds), Totals());
}

TEST(Thresholds, LatencyOfOneRequestInOnePhase) {
  const auto results = Evaluate(R"pb(
    thresholds { metric: "p50" below: 51 request: "/" phase: "steady" }
    thresholds { metric: "p50" below: 50 request: "/" phase: "steady" }
    thresholds { metric: "max" below: 100.5 request: "/" phase: "steady" }
    thresholds { metric: "mean" above: 50 request: "/" phase: "steady" }
  )pb");
  ASSERT_EQ(results.size(), 4u);
  EXPECT_NEAR(*results[0].value, 50, 0.5);  // exact within the histogram's resolution
  EXPECT_TRUE(results[0].passed);
  EXPECT_FALSE(results[1].passed);
  EXPECT_TRUE(results[2].passed);
  EXPECT_NEAR(*results[3].value, 50.5, 0.01);
  EXPECT_TRUE(results[3].passed);
}

TEST(Thresholds, OpenPhasesAreJudgedOnCorrectedLatency) {
  const auto results = Evaluate(R"pb(
    thresholds { metric: "max" below: 10 phase: "burst" }
    thresholds { metric: "p99" below: 1000 }
  )pb");
  EXPECT_NEAR(*results[0].value, 200, 1);  // not the 2 ms response time
  EXPECT_FALSE(results[0].passed);
  EXPECT_NEAR(*results[1].value, 500, 3);  // /cart's, across both phases
}

TEST(Thresholds, FailureRatioAndRate) {
  const auto results = Evaluate(R"pb(
    thresholds { metric: "failure_ratio" below: 0.01 }
    thresholds { metric: "failure_ratio" below: 0.11 request: "/cart" }
    thresholds { metric: "rps" above: 10 phase: "steady" }
    thresholds { metric: "rps" above: 9 }
  )pb");
  EXPECT_DOUBLE_EQ(*results[0].value, 1.0 / 160);
  EXPECT_TRUE(results[0].passed);
  EXPECT_DOUBLE_EQ(*results[1].value, 0.1);
  EXPECT_TRUE(results[1].passed);
  EXPECT_DOUBLE_EQ(*results[2].value, 11);  // 110 requests in 10 s
  EXPECT_TRUE(results[2].passed);
  EXPECT_DOUBLE_EQ(*results[3].value, 8);  // 160 in 20 s
  EXPECT_FALSE(results[3].passed);
  EXPECT_FALSE(AllPassed(results));
}

TEST(Thresholds, NothingToMeasureFails) {
  const auto results = Evaluate(R"pb(
    thresholds { metric: "p95" below: 1000 request: "/checkout" }
  )pb");
  EXPECT_FALSE(results[0].value.has_value());
  EXPECT_FALSE(results[0].passed);
  EXPECT_TRUE(AllPassed({}));
}

}  // namespace
}  // namespace loadgen
