#include "load_generation/control/shard_merge.h"

#include "gtest/gtest.h"
#include "load_generation/runtime/thresholds.h"
#include "load_generation/stats/histogram.h"
#include "load_generation/stats/stats_proto.h"

namespace loadgen {
namespace {

control::Status Shard(int browsers, int buyers, int64_t requests, int64_t failures) {
  control::Status s;
  s.set_state(control::Status::RUNNING);
  s.set_phase(1);
  s.set_phase_name("peak");
  auto* browser = s.add_user_types();
  browser->set_name("Browser");
  browser->set_target(browsers);
  browser->set_active(browsers);
  if (buyers > 0) {
    auto* buyer = s.add_user_types();
    buyer->set_name("Buyer");
    buyer->set_target(buyers);
    buyer->set_active(buyers - 1);
    buyer->set_stopping(1);
  }
  s.set_current_requests_per_s(10.5);
  s.set_total_requests(requests);
  s.set_total_failures(failures);
  s.set_phase_requests(requests / 2);
  s.set_phase_failures(failures);
  auto* done = s.add_completed_phases();
  done->set_loop(0);
  done->set_phase(0);
  done->set_name("warmup");
  done->set_users(browsers);
  done->set_duration_s(10 + browsers);
  done->set_requests(requests);
  done->set_failures(failures);
  done->set_requests_per_s(requests / 10.0);
  return s;
}

// A shard's status with the config's thresholds judged on its own figures: `fast` requests of
// 10 ms and `slow` of 20 ms in phase 0 ("peak"), which ran 10 s.
control::Status JudgedShard(int fast, int slow, bool histograms = true) {
  absl::StatusOr<LoadConfig> config =
      ParseLoadConfig(R"pb(
                        phases { name: "peak" duration: 10 }
                        thresholds { metric: "p50" below: 15 }
                        thresholds { metric: "rps" above: 1.5 phase: "peak" }
                      )pb",
                      "t.pbtxt");
  DaemonStatus status;
  StatsTotals totals;
  for (int i = 0; i < fast + slow; ++i) {
    totals.by_phase[0].Record(
        {.method = "GET", .name = "/", .latency_us = i < fast ? 10'000 : 20'000});
  }
  totals.phase_time[0] = absl::Seconds(10);
  totals.counted = absl::Seconds(10);
  status.total.requests = fast + slow;
  status.thresholds = EvaluateThresholds(*config, totals);
  status.judged_phases[0] = {
      .name = "peak", .stats = totals.by_phase[0], .time = absl::Seconds(10)};
  return ToProto(status, histograms);
}

TEST(MergeStatus, ThresholdsAreJudgedOnTheMergedFigures) {
  const control::Status a = JudgedShard(3, 0), b = JudgedShard(0, 7);
  // Alone, each shard's rate is too low (3 and 7 requests in 10 s); A's p50 passes, B's fails.
  EXPECT_TRUE(a.thresholds(0).passed());
  EXPECT_FALSE(a.thresholds(1).passed());
  EXPECT_FALSE(b.thresholds(0).passed());
  const control::Status merged = MergeStatus({a, b});
  ASSERT_EQ(merged.thresholds_size(), 2);
  EXPECT_NEAR(merged.thresholds(0).value(), 20, 0.1);  // the 5th of 10: one of B's
  EXPECT_FALSE(merged.thresholds(0).passed());
  EXPECT_DOUBLE_EQ(merged.thresholds(1).value(), 1.0);  // 10 requests in the phase's 10 s
  EXPECT_FALSE(merged.thresholds(1).passed());
  const control::Status more = MergeStatus({a, b, JudgedShard(10, 0)});
  EXPECT_NEAR(more.thresholds(0).value(), 10, 0.1);
  EXPECT_TRUE(more.thresholds(0).passed());
  EXPECT_DOUBLE_EQ(more.thresholds(1).value(), 2.0);
  EXPECT_TRUE(more.thresholds(1).passed());
  EXPECT_EQ(more.thresholds(1).name(), "rps in phase peak > 1.5 req/s");
}

TEST(MergeStatus, ThresholdsAreLeftOutWithoutTheFiguresTheyNeed) {
  const control::Status merged = MergeStatus({JudgedShard(3, 0), JudgedShard(0, 7, false)});
  EXPECT_EQ(merged.thresholds_size(), 0);
}

TEST(MergeStatus, SumsUsersPerTypeCountsAndRates) {
  const control::Status merged =
      MergeStatus({Shard(4, 0, 100, 1), Shard(3, 2, 300, 3), Shard(3, 2, 200, 0)});
  EXPECT_EQ(merged.state(), control::Status::RUNNING);
  EXPECT_EQ(merged.phase_name(), "peak");
  ASSERT_EQ(merged.user_types_size(), 2);
  EXPECT_EQ(merged.user_types(0).name(), "Browser");
  EXPECT_EQ(merged.user_types(0).target(), 10);
  EXPECT_EQ(merged.user_types(1).name(), "Buyer");
  EXPECT_EQ(merged.user_types(1).target(), 4);
  EXPECT_EQ(merged.user_types(1).active(), 2);
  EXPECT_EQ(merged.user_types(1).stopping(), 2);
  EXPECT_EQ(merged.total_requests(), 600);
  EXPECT_EQ(merged.total_failures(), 4);
  EXPECT_EQ(merged.phase_requests(), 300);
  EXPECT_EQ(merged.phase_failures(), 4);
  EXPECT_DOUBLE_EQ(merged.current_requests_per_s(), 31.5);
}

TEST(MergeStatus, CompletedPhasesMatchByLoopAndPhase) {
  const control::Status merged = MergeStatus({Shard(4, 0, 100, 1), Shard(6, 0, 300, 3)});
  ASSERT_EQ(merged.completed_phases_size(), 1);
  const auto& p = merged.completed_phases(0);
  EXPECT_EQ(p.name(), "warmup");
  EXPECT_EQ(p.users(), 10);
  EXPECT_EQ(p.requests(), 400);
  EXPECT_EQ(p.failures(), 4);
  EXPECT_DOUBLE_EQ(p.failure_percent(), 1.0);
  EXPECT_DOUBLE_EQ(p.duration_s(), 16) << "the longest shard's";
  EXPECT_DOUBLE_EQ(p.requests_per_s(), 40);
}

TEST(MergeStatus, PercentilesAreThoseOfTheMergedHistograms) {
  // Two shards with different latencies: one fast (1..100 ms), one slow (101..300 ms).
  DaemonStatus fast, slow;
  LatencyHistogram all;
  for (int ms = 1; ms <= 300; ++ms) {
    DaemonStatus& shard = ms <= 100 ? fast : slow;
    shard.recent.latency_us.Record(int64_t{ms} * 1000);
    all.Record(int64_t{ms} * 1000);
  }
  for (DaemonStatus* shard : {&fast, &slow}) {
    shard->completed.push_back(
        {.occurrence = {}, .row = {.name = "peak"}, .latency_us = shard->recent.latency_us});
  }
  const control::Status merged =
      MergeStatus({ToProto(fast, /*histograms=*/true), ToProto(slow, /*histograms=*/true)});
  EXPECT_DOUBLE_EQ(merged.current_p50_ms(), UsToMs(all.ValueAtQuantile(0.5)));
  EXPECT_DOUBLE_EQ(merged.current_p95_ms(), UsToMs(all.ValueAtQuantile(0.95)));
  EXPECT_DOUBLE_EQ(merged.current_p99_ms(), UsToMs(all.ValueAtQuantile(0.99)));
  EXPECT_NEAR(merged.current_p50_ms(), 150, 0.2) << "not the mean of 50 and 200";
  ASSERT_EQ(merged.completed_phases_size(), 1);
  EXPECT_DOUBLE_EQ(merged.completed_phases(0).p95_ms(), UsToMs(all.ValueAtQuantile(0.95)));
  EXPECT_DOUBLE_EQ(merged.completed_phases(0).max_ms(), 300);

  // A shard without histograms: no percentile rather than a wrong one.
  const control::Status partial = MergeStatus({ToProto(fast, true), ToProto(slow, false)});
  EXPECT_EQ(partial.current_p50_ms(), 0);
  EXPECT_EQ(partial.completed_phases(0).p95_ms(), 0);
}

TEST(MergeStatus, OpenPhaseFiguresAddUpAndCorrectedLatencyMergesExactly) {
  // Two shards of an open phase: arrivals and rates add up, the corrected percentiles are those
  // of both shards' requests, and one saturated shard makes the run saturated.
  DaemonStatus calm, busy;
  LatencyHistogram all;
  for (int ms = 1; ms <= 200; ++ms) {
    DaemonStatus& shard = ms <= 100 ? calm : busy;
    shard.recent.corrected_latency_us.Record(int64_t{ms} * 1000);
    all.Record(int64_t{ms} * 1000);
  }
  for (DaemonStatus* shard : {&calm, &busy}) {
    shard->run.users = {{.name = "Normal", .target = 5, .active = 5}};
    shard->run.arrival_rate_per_s = 50;
    shard->arrivals["Normal"] = {.arrivals = 1000, .late_starts = 10, .dropped = 2};
    shard->total.arrivals = shard->arrivals["Normal"];
    shard->completed.push_back({.occurrence = {},
                                .row = {.name = "open", .arrivals = {.arrivals = 500}},
                                .corrected_latency_us = shard->recent.corrected_latency_us});
  }
  calm.recent.schedule_lag_us.Record(200);
  busy.recent.schedule_lag_us.Record(30'000);
  const control::Status merged =
      MergeStatus({ToProto(calm, /*histograms=*/true), ToProto(busy, /*histograms=*/true)});
  EXPECT_EQ(merged.arrival_rate_per_s(), 100);
  EXPECT_EQ(merged.total_arrivals(), 2000);
  EXPECT_EQ(merged.total_late_starts(), 20);
  EXPECT_EQ(merged.total_dropped_arrivals(), 4);
  ASSERT_EQ(merged.user_types_size(), 1);
  EXPECT_EQ(merged.user_types(0).arrivals(), 2000);
  EXPECT_EQ(merged.user_types(0).late_starts(), 20);
  EXPECT_DOUBLE_EQ(merged.current_corrected_p99_ms(), UsToMs(all.ValueAtQuantile(0.99)));
  EXPECT_NEAR(merged.current_corrected_p50_ms(), 100, 0.2);
  ASSERT_EQ(merged.completed_phases_size(), 1);
  EXPECT_EQ(merged.completed_phases(0).arrivals(), 1000);
  EXPECT_DOUBLE_EQ(merged.completed_phases(0).corrected_p99_ms(),
                   UsToMs(all.ValueAtQuantile(0.99)));
  EXPECT_TRUE(merged.generator_saturated());
  EXPECT_NEAR(merged.schedule_lag_p99_ms(), 30, 0.1);
}

TEST(MergeStats, OccurrencesMergeByNumberAndTheTotalOverAll) {
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  std::vector<control::StatsReport> shards(2);
  for (int i = 0; i < 2; ++i) {
    StatsTable table;
    for (int n = 0; n < 10 * (i + 1); ++n) {
      table.Record({"GET", "/", int64_t{n + 1} * 1000, 10, n == 0 ? "HTTP 500" : "", t0});
    }
    control::PhaseStats* phase = shards[i].add_completed_phases();
    phase->set_occurrence(0);
    FillTable(table, absl::Seconds(10), /*histograms=*/true, phase);
    FillTable(table, absl::Seconds(10), /*histograms=*/true, shards[i].mutable_total());
  }
  const control::StatsReport merged = MergeStats(shards);
  ASSERT_EQ(merged.completed_phases_size(), 1);
  EXPECT_EQ(merged.completed_phases(0).aggregated().requests(), 30);
  EXPECT_EQ(merged.total().aggregated().requests(), 30);
  EXPECT_EQ(merged.total().aggregated().failures(), 2);
  EXPECT_DOUBLE_EQ(merged.total().aggregated().max_ms(), 20);
  EXPECT_FALSE(merged.has_current_phase());
}

}  // namespace
}  // namespace loadgen
