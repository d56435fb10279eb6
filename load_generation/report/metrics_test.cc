#include "load_generation/report/metrics.h"

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

// The samples of a text exposition: "name{labels}" -> value. Checks that each sample's family
// was declared with HELP and TYPE before it.
std::map<std::string, double> Samples(const std::string& text) {
  std::map<std::string, double> samples;
  std::set<std::string> declared;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&line, "# TYPE ")) {
      declared.insert(std::string(line.substr(0, line.find(' '))));
      continue;
    }
    if (line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    const std::string series(line.substr(0, space));
    double value = 0;
    EXPECT_TRUE(absl::SimpleAtod(line.substr(space + 1), &value)) << line;
    const std::string name = series.substr(0, series.find('{'));
    bool known = declared.count(name) > 0;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (absl::EndsWith(name, suffix)) {
        known |= declared.count(name.substr(0, name.size() - strlen(suffix))) > 0;
      }
    }
    EXPECT_TRUE(known) << "no TYPE before " << line;
    EXPECT_TRUE(samples.emplace(series, value).second) << "twice: " << series;
  }
  return samples;
}

TEST(PrometheusText, CountersAndHistogramsPerMethodNameAndPhase) {
  StatsTotals totals;
  for (int i = 0; i < 100; ++i) {
    totals.by_phase[0].Record({"GET", "/", int64_t{i + 1} * 100, 10, i < 3 ? "HTTP 503" : "", kT0});
  }
  totals.by_phase[1].Record({"POST", "/say \"hi\"\n", 20'000'000, 10, "timeout", kT0});
  DaemonStatus status;
  status.position.state = RunState::kRunning;
  status.position.run_number = 2;
  status.run.users = {{.name = "Normal", .target = 10, .active = 7}};
  status.run.occurrence = PhaseOccurrence{.number = 3, .loop = 1, .phase = 1};
  const auto samples = Samples(PrometheusText(status, totals, ProcessFigures{.cpu_seconds = 1.5}));

  const std::string get = "method=\"GET\",name=\"/\",phase=\"0\"";
  EXPECT_EQ(samples.at("loadgen_requests_total{" + get + "}"), 100);
  EXPECT_EQ(samples.at("loadgen_request_failures_total{" + get + "}"), 3);
  EXPECT_EQ(samples.at("loadgen_request_errors_total{" + get + ",error=\"HTTP 503\"}"), 3);
  // 100 latencies of 0.1 ms .. 10 ms: 5 at or below 0.5 ms, 10 at or below 1 ms.
  EXPECT_EQ(samples.at("loadgen_request_duration_seconds_bucket{" + get + ",le=\"0.0005\"}"), 5);
  EXPECT_EQ(samples.at("loadgen_request_duration_seconds_bucket{" + get + ",le=\"0.001\"}"), 10);
  EXPECT_EQ(samples.at("loadgen_request_duration_seconds_bucket{" + get + ",le=\"0.01\"}"), 100);
  EXPECT_EQ(samples.at("loadgen_request_duration_seconds_bucket{" + get + ",le=\"+Inf\"}"), 100);
  EXPECT_EQ(samples.at("loadgen_request_duration_seconds_count{" + get + "}"), 100);
  EXPECT_DOUBLE_EQ(samples.at("loadgen_request_duration_seconds_sum{" + get + "}"), 0.505);

  const std::string post = "method=\"POST\",name=\"/say \\\"hi\\\"\\n\",phase=\"1\"";
  EXPECT_EQ(samples.at("loadgen_requests_total{" + post + "}"), 1);
  EXPECT_EQ(samples.at("loadgen_request_duration_seconds_bucket{" + post + ",le=\"10\"}"), 0);
  EXPECT_EQ(samples.at("loadgen_request_duration_seconds_bucket{" + post + ",le=\"30\"}"), 1);

  EXPECT_EQ(samples.at("loadgen_users{user_type=\"Normal\"}"), 7);
  EXPECT_EQ(samples.at("loadgen_target_users{user_type=\"Normal\"}"), 10);
  EXPECT_EQ(samples.at("loadgen_phase"), 1);
  EXPECT_EQ(samples.at("loadgen_loop"), 1);
  EXPECT_EQ(samples.at("loadgen_run_state{state=\"running\"}"), 1);
  EXPECT_EQ(samples.at("loadgen_run_state{state=\"idle\"}"), 0);
  EXPECT_EQ(samples.at("loadgen_runs_started_total"), 2);
  EXPECT_EQ(samples.at("process_cpu_seconds_total"), 1.5);
}

TEST(PrometheusText, OpenPhasesArrivalsCorrectedLatencyAndTheGeneratorsLag) {
  StatsTotals totals;
  StatsTable& open = totals.by_phase[2];
  open.Record({.method = "GET",
               .name = "/",
               .latency_us = 1000,
               .time = kT0,
               .corrected_latency_us = 300'000});
  open.RecordArrival("Normal", ArrivalEvent::kArrived);
  open.RecordArrival("Normal", ArrivalEvent::kArrived);
  open.RecordArrival("Normal", ArrivalEvent::kStartedLate);
  open.RecordArrival("Normal", ArrivalEvent::kDropped);
  totals.by_phase[0].Record({.method = "GET", .name = "/", .latency_us = 1000, .time = kT0});
  DaemonStatus status;
  status.run.arrival_rate_per_s = 250;
  for (int i = 0; i < 100; ++i) status.recent.schedule_lag_us.Record(i < 95 ? 100 : 20'000);
  const auto samples = Samples(PrometheusText(status, totals, ProcessFigures()));
  const std::string get = "method=\"GET\",name=\"/\",phase=\"2\"";
  EXPECT_EQ(
      samples.at("loadgen_request_corrected_duration_seconds_bucket{" + get + ",le=\"0.25\"}"), 0);
  EXPECT_EQ(samples.at("loadgen_request_corrected_duration_seconds_bucket{" + get + ",le=\"0.5\"}"),
            1);
  EXPECT_EQ(
      samples.count("loadgen_request_corrected_duration_seconds_count{method=\"GET\",name=\"/\","
                    "phase=\"0\"}"),
      0u)
      << "a closed phase has no corrected latency";
  const std::string normal = "{user_type=\"Normal\",phase=\"2\"}";
  EXPECT_EQ(samples.at("loadgen_arrivals_total" + normal), 2);
  EXPECT_EQ(samples.at("loadgen_late_starts_total" + normal), 1);
  EXPECT_EQ(samples.at("loadgen_dropped_arrivals_total" + normal), 1);
  EXPECT_EQ(samples.at("loadgen_arrival_rate"), 250);
  EXPECT_NEAR(samples.at("loadgen_schedule_lag_seconds"), 0.02, 0.0001);
  EXPECT_EQ(samples.at("loadgen_generator_saturated"), 1);
}

TEST(PrometheusText, ThresholdsPassedAndTheirValues) {
  DaemonStatus status;
  ThresholdResult met{.value = 120, .passed = true};
  met.threshold.set_metric("p95");
  met.threshold.set_below(200);
  ThresholdResult unmeasured;
  unmeasured.threshold.set_metric("rps");
  unmeasured.threshold.set_above(10);
  unmeasured.threshold.set_phase("peak");
  status.thresholds = {met, unmeasured};
  const auto samples = Samples(PrometheusText(status, StatsTotals(), ProcessFigures()));
  EXPECT_EQ(samples.at("loadgen_threshold_passed{threshold=\"p95 < 200 ms\"}"), 1);
  EXPECT_EQ(samples.at("loadgen_threshold_value{threshold=\"p95 < 200 ms\"}"), 120);
  EXPECT_EQ(samples.at("loadgen_threshold_passed{threshold=\"rps in phase peak > 10 req/s\"}"), 0);
  EXPECT_EQ(samples.count("loadgen_threshold_value{threshold=\"rps in phase peak > 10 req/s\"}"),
            0u);
}

TEST(ReadProcessFigures, SeesThisProcess) {
  const ProcessFigures figures = ReadProcessFigures();
  EXPECT_GT(figures.resident_bytes, 1 << 20);
  EXPECT_GE(figures.virtual_bytes, figures.resident_bytes);
  EXPECT_GE(figures.open_fds, 3);
  EXPECT_GT(figures.max_fds, figures.open_fds);
  EXPECT_NEAR(figures.start_time_seconds, absl::ToUnixSeconds(absl::Now()), 600);
}

}  // namespace
}  // namespace loadgen
