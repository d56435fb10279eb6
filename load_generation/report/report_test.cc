#include "load_generation/report/report.h"

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

PhaseResult Phase(int loop, int phase, std::string name, int users, absl::Duration start,
                  absl::Duration length, std::vector<int> latencies_ms, int failures) {
  PhaseResult result;
  result.occurrence = {.number = 2 * loop + phase, .loop = loop, .phase = phase};
  result.occurrence.start = kT0 + start;
  result.end = kT0 + start + length;
  result.name = std::move(name);
  result.target_users = users;
  for (size_t i = 0; i < latencies_ms.size(); ++i) {
    result.stats.Record({"GET", "/", int64_t{latencies_ms[i]} * 1000, 10,
                         static_cast<int>(i) < failures ? "HTTP 500" : "", kT0});
  }
  return result;
}

std::vector<PhaseRow> Rows() {
  std::vector<PhaseResult> phases = {
      Phase(0, 0, "warm, up", 10, absl::ZeroDuration(), absl::Seconds(10), {1, 2, 3, 4}, 1),
      Phase(0, 1, "peak|high", 20, absl::Seconds(10), absl::Seconds(5), {10, 20}, 0)};
  RequestStats total;
  for (const PhaseResult& p : phases) total.Merge(p.stats.Total());
  return PhaseRows(phases, total);
}

TEST(PhaseRows, ARowPerOccurrenceAndATotalOverTheWholeTime) {
  std::vector<PhaseRow> rows = Rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].requests, 4);
  EXPECT_DOUBLE_EQ(rows[0].requests_per_s, 0.4);
  EXPECT_DOUBLE_EQ(rows[0].failure_percent, 25);
  EXPECT_DOUBLE_EQ(rows[1].median_ms, 10);
  EXPECT_DOUBLE_EQ(rows[1].max_ms, 20);
  EXPECT_EQ(rows[2].name, "Total");
  EXPECT_EQ(rows[2].requests, 6);
  EXPECT_EQ(rows[2].duration, absl::Seconds(15));
  EXPECT_DOUBLE_EQ(rows[2].requests_per_s, 0.4);
}

TEST(PhasesCsv, AHeaderThenARowPerPhaseAndTheTotal) {
  // 3.001: the histogram keeps 3 ms within its 0.1%.
  EXPECT_EQ(PhasesCsv(Rows()),
            "loop,phase,name,users,duration_s,requests,failures,requests_per_s,median_ms,p95_ms,"
            "p99_ms,max_ms,failure_percent,average_ms,min_ms,p90_ms,p999_ms,start,end,idle,"
            "cancelled_at_stop,arrivals,late_starts,dropped_arrivals,corrected_p50_ms,"
            "corrected_p99_ms,schedule_lag_p99_ms\r\n"
            "0,0,\"warm, up\",10,10.000,4,1,0.400,2.000,4.000,4.000,4.000,25.000,"
            "2.500,1.000,4.000,4.000,2023-11-14T22:13:20.000Z,2023-11-14T22:13:30.000Z,0,0,"
            "0,0,0,N/A,N/A,0.000\r\n"
            "0,1,peak|high,20,5.000,2,0,0.400,10.000,20.000,20.000,20.000,0.000,"
            "15.000,10.000,20.000,20.000,2023-11-14T22:13:30.000Z,2023-11-14T22:13:35.000Z,0,0,"
            "0,0,0,N/A,N/A,0.000\r\n"
            ",,Total,,15.000,6,1,0.400,3.001,20.000,20.000,20.000,16.667,"
            "6.667,1.000,20.000,20.000,2023-11-14T22:13:20.000Z,2023-11-14T22:13:35.000Z,0,0,"
            "0,0,0,N/A,N/A,0.000\r\n");
}

TEST(PhasesMarkdown, ATableWithTheTotalInBold) {
  std::vector<std::string> lines = absl::StrSplit(PhasesMarkdown(Rows()), '\n');
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0],
            "| loop | phase | name | users | duration (s) | requests | failures | req/s | p50 (ms) "
            "| p95 (ms) | p99 (ms) | max (ms) | failures (%) | start (UTC) |");
  EXPECT_EQ(lines[3],
            "| 0 | 1 | peak\\|high | 20 | 5.000 | 2 | 0 | 0.400 | 10.000 | 20.000 | 20.000 | "
            "20.000 | 0.000 | 2023-11-14T22:13:30.000Z |");
  EXPECT_EQ(lines[4],
            "|  |  | **Total** |  | 15.000 | 6 | 1 | 0.400 | 3.001 | 20.000 | 20.000 | 20.000 | "
            "16.667 | 2023-11-14T22:13:20.000Z |");
  EXPECT_EQ(lines[5], "");
}

TEST(PhaseRows, AnIdlePhaseHasNoLatencyAndTheTotalSaysItCountsIt) {
  std::vector<PhaseResult> phases = {
      Phase(0, 0, "load", 10, absl::ZeroDuration(), absl::Seconds(10), {1, 2, 3, 4}, 0),
      Phase(0, 1, "cooldown", 0, absl::Seconds(10), absl::Seconds(10), {}, 0)};
  const std::vector<PhaseRow> rows = PhaseRows(phases, phases[0].stats.Total());
  EXPECT_EQ(rows[1].idle, 1);
  EXPECT_EQ(rows[2].idle, 1) << "the total covers one idle phase";
  const std::vector<std::string> csv = absl::StrSplit(PhasesCsv(rows), "\r\n");
  EXPECT_THAT(csv[2], ::testing::HasSubstr(",0,0,0.000,N/A,N/A,N/A,N/A,0.000,N/A,N/A,N/A,N/A,"));
  EXPECT_THAT(csv[2], ::testing::EndsWith(",1,0,0,0,0,N/A,N/A,0.000"));
  const std::string table = FormatPhaseTable(rows);
  EXPECT_THAT(table, ::testing::HasSubstr("N/A"));
  EXPECT_THAT(table, ::testing::EndsWith(
                         "Total includes 1 idle phase (no users): its time counts in its duration "
                         "and req/s.\n"));
  EXPECT_THAT(PhasesMarkdown(rows), ::testing::HasSubstr("\nTotal includes 1 idle phase"));
  EXPECT_THAT(FormatPhaseTable(Rows()), ::testing::Not(::testing::HasSubstr("idle")));
}

TEST(PhaseRows, AnOpenPhaseShowsItsArrivalsAndCorrectedLatency) {
  std::vector<PhaseResult> phases = {
      Phase(0, 0, "open", 10, absl::ZeroDuration(), absl::Seconds(10), {}, 0)};
  StatsTable& stats = phases[0].stats;
  for (int i = 0; i < 4; ++i) stats.RecordArrival("Normal", ArrivalEvent::kArrived);
  stats.RecordArrival("Normal", ArrivalEvent::kStartedLate);
  stats.RecordArrival("Normal", ArrivalEvent::kDropped);
  for (int64_t corrected_us : {1000, 2000, 90000}) {
    stats.Record(
        {.method = "GET", .name = "/", .latency_us = 1000, .corrected_latency_us = corrected_us});
  }
  const std::vector<PhaseRow> rows = PhaseRows(phases, stats.Total());
  EXPECT_EQ(rows[0].arrivals.arrivals, 4);
  EXPECT_EQ(rows[1].arrivals.late_starts, 1);
  const std::vector<std::string> csv = absl::StrSplit(PhasesCsv(rows), "\r\n");
  EXPECT_THAT(csv[1], ::testing::EndsWith(",4,1,1,2.000,90.000,0.000"));
  const std::string table = FormatPhaseTable(rows);
  EXPECT_THAT(table, ::testing::HasSubstr("c.p99 ms"));
  EXPECT_THAT(table, ::testing::HasSubstr("      2.0      90.0        1        1\n"));
  EXPECT_THAT(table, ::testing::HasSubstr("Open phases: corrected latencies"));
  EXPECT_THAT(FormatPhaseTable(Rows()), ::testing::Not(::testing::HasSubstr("c.p99")));
}

TEST(PhaseRows, RequestsCancelledAtStopAreCountedApart) {
  std::vector<PhaseResult> phases = {
      Phase(0, 0, "load", 10, absl::ZeroDuration(), absl::Seconds(10), {1, 2}, 0)};
  for (int i = 0; i < 3; ++i) phases[0].stats.Record({.method = "GET", .cancelled = true});
  const std::vector<PhaseRow> rows = PhaseRows(phases, phases[0].stats.Total());
  EXPECT_EQ(rows[0].requests, 2) << "not requests";
  EXPECT_EQ(rows[0].failures, 0) << "nor failures";
  EXPECT_EQ(rows[0].cancelled_at_stop, 3);
  EXPECT_EQ(rows[1].cancelled_at_stop, 3);
  const std::vector<std::string> csv = absl::StrSplit(PhasesCsv(rows), "\r\n");
  EXPECT_THAT(csv[2], ::testing::EndsWith(",0,3,0,0,0,N/A,N/A,0.000"));
  const std::string note =
      "3 requests in flight at the stop timeout were cancelled: not counted as requests or "
      "failures.\n";
  EXPECT_THAT(FormatPhaseTable(rows), ::testing::EndsWith(note));
  EXPECT_THAT(PhasesMarkdown(rows), ::testing::EndsWith("\n" + note));
  phases[0].stats = StatsTable();
  phases[0].stats.Record({.method = "GET", .cancelled = true});
  EXPECT_THAT(FormatPhaseTable(PhaseRows(phases, phases[0].stats.Total())),
              ::testing::EndsWith("1 request in flight at the stop timeout was cancelled: not "
                                  "counted as requests or failures.\n"));
}

TEST(FormatPhaseTable, AlignsTheSameRows) {
  std::vector<std::string> lines = absl::StrSplit(FormatPhaseTable(Rows()), '\n');
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_THAT(lines[0], ::testing::StartsWith("loop phase name"));
  EXPECT_THAT(lines[3], ::testing::HasSubstr("Total"));
}

TEST(FormatStatusLine, ThePhaseItsUsersRatesAndFailures) {
  const StatusLine line{.elapsed = absl::Seconds(12),
                        .state = "running",
                        .occurrence = PhaseOccurrence{.number = 1, .loop = 0, .phase = 1},
                        .phase_name = "weekend",
                        .users = {{.name = "Normal", .target = 67, .active = 67},
                                  {.name = "Gone"},
                                  {.name = "Weekend", .target = 133, .active = 120}},
                        .requests_per_s = 153.24,
                        .failures_per_s = 0.2,
                        .p50_ms = 12,
                        .p95_ms = 40.1,
                        .phase_requests = 2500,
                        .phase_failures = 3};
  EXPECT_EQ(FormatStatusLine(line),
            "[   12s] phase 1 weekend (loop 0) | Normal 67/67 Weekend 120/133 | 153.2 req/s p50 "
            "12.0 ms p95 40.1 ms | failures 0.2/s, 3 in phase (0.12%)");
}

TEST(FormatStatusLine, AnOpenPhaseAndASaturatedGenerator) {
  StatusLine line{.elapsed = absl::Seconds(3),
                  .state = "running",
                  .occurrence = PhaseOccurrence{.phase = 2},
                  .phase_name = "open",
                  .requests_per_s = 150,
                  .p50_ms = 2.0,
                  .p95_ms = 4.0,
                  .arrival_rate_per_s = 150,
                  .corrected_p99_ms = 80.25,
                  .arrivals = {.arrivals = 450, .late_starts = 3, .dropped = 1},
                  .saturated_lag_ms = 15.0};
  EXPECT_EQ(FormatStatusLine(line),
            "[    3s] phase 2 open (loop 0) | no users | 150.0 arrivals/s, 3 late, 1 dropped | "
            "150.0 req/s p50 2.0 ms p95 4.0 ms corrected p99 80.2 ms | failures 0.0/s, 0 in "
            "phase (0.00%) | GENERATOR SATURATED (lag p99 15.0 ms)");
}

TEST(FormatStatusLine, WithoutAPhaseOrRequests) {
  EXPECT_EQ(FormatStatusLine({.state = "scheduled"}),
            "[    0s] scheduled | no users | 0.0 req/s p50 n/a p95 n/a | failures 0.0/s, 0 in "
            "phase (0.00%)");
  EXPECT_EQ(FormatStatusLine({.state = "running"}).substr(9, 14), "between phases");
}

TEST(StatusLineOf, TakesTheDaemonsFigures) {
  DaemonStatus status;
  status.position.state = RunState::kPaused;
  status.run.paused = true;
  status.run_elapsed = absl::Seconds(3);
  status.recent.requests_per_s = 10;
  status.recent.latency_us.Record(2000);
  status.phase_total.requests = 7;
  status.phase_total.failures = 1;
  const StatusLine line = StatusLineOf(status);
  EXPECT_EQ(line.state, "paused");
  EXPECT_TRUE(line.paused);
  EXPECT_EQ(line.elapsed, absl::Seconds(3));
  EXPECT_NEAR(*line.p50_ms, 2, 0.01);
  EXPECT_EQ(line.phase_requests, 7);
  EXPECT_EQ(line.phase_failures, 1);
}

}  // namespace
}  // namespace loadgen
