#include "load_generation/cmd/sweep.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::HasSubstr;

std::string Write(const std::string& name, const std::string& text) {
  std::string path = (std::filesystem::path(::testing::TempDir()) / name).string();
  std::ofstream(path) << text;
  return path;
}

Experiment Parse(const std::string& text) {
  absl::StatusOr<Experiment> experiment = ReadExperiment(Write("e.pbtxt", text));
  EXPECT_TRUE(experiment.ok()) << experiment.status();
  return experiment.value_or(Experiment());
}

constexpr char kMatrix[] = R"pb(
  config: "load.pbtxt"
  axes {
    name: "replicas"
    values: [ "1", "2" ]
  }
  axes {
    name: "users"
    values: [ "200", "400", "800" ]
  }
  setup_command: "kubectl scale deployment inference --replicas={replicas}"
  warmup_s: 5
  measure_s: 120
  cooldown_s: 15
  thresholds { metric: "p95" below: 500 }
)pb";

TEST(Sweep, ScenariosAreEveryCombinationFirstAxisSlowest) {
  const std::vector<Scenario> scenarios = Scenarios(Parse(kMatrix));
  ASSERT_EQ(scenarios.size(), 6u);
  EXPECT_EQ(scenarios[0], (Scenario{{"replicas", "1"}, {"users", "200"}}));
  EXPECT_EQ(scenarios[2], (Scenario{{"replicas", "1"}, {"users", "800"}}));
  EXPECT_EQ(scenarios[3], (Scenario{{"replicas", "2"}, {"users", "200"}}));
  EXPECT_EQ(SetupCommand("scale --replicas={replicas} {replicas} {nope}", scenarios[3]),
            "scale --replicas=2 2 {nope}");
}

TEST(Sweep, AScenarioSetsUsersOrRateAndTheThresholds) {
  absl::StatusOr<LoadConfig> base = ParseLoadConfig(
      R"pb(
        loops: 1
        phases { name: "closed" duration: 10 num_users: 5 hatch_rate_per_s: 5 }
        phases { name: "open" duration: 10 arrival_rate_per_s: 5 end_arrival_rate_per_s: 50 }
        thresholds { metric: "p50" below: 1 }
      )pb",
      "load.pbtxt");
  ASSERT_TRUE(base.ok()) << base.status();
  const LoadConfig config = ScenarioConfig(
      *base, Parse(kMatrix), {{"replicas", "2"}, {"users", "400"}, {"arrival_rate_per_s", "70"}});
  EXPECT_EQ(config.phases(0).num_users(), 400);
  EXPECT_EQ(config.phases(1).arrival_rate_per_s(), 70);
  EXPECT_FALSE(config.phases(1).has_end_arrival_rate_per_s());
  EXPECT_EQ(config.loops(), 0);  // the sweep stops it
  ASSERT_EQ(config.thresholds_size(), 1);
  EXPECT_EQ(config.thresholds(0).metric(), "p95");
}

TEST(Sweep, BadExperimentsAreNamedByFieldPath) {
  const std::string path = Write("bad.pbtxt", R"pb(
    axes {
      name: "users"
      values: [ "ten" ]
    }
    axes {
      name: "users"
      values: []
    }
    axes { name: "arrival rate" values: "5" }
    measure_s: 0
    warmup_s: -1
  )pb");
  absl::StatusOr<Experiment> experiment = ReadExperiment(path);
  ASSERT_FALSE(experiment.ok());
  const std::string message(experiment.status().message());
  EXPECT_THAT(message, HasSubstr("config: name the load.pbtxt each scenario runs"));
  EXPECT_THAT(message, HasSubstr("axes[0].values[0]: a user count in 0..1000000, not 'ten'"));
  EXPECT_THAT(message, HasSubstr("axes[1].name: axis 'users' appears twice"));
  EXPECT_THAT(message, HasSubstr("axes[1].values: give at least one value"));
  EXPECT_THAT(message, HasSubstr("axes[2].name: must be letters, digits and '_'"));
  EXPECT_THAT(message, HasSubstr("measure_s: must be in (0, "));
  EXPECT_THAT(message, HasSubstr("warmup_s: must be in 0.."));
  EXPECT_THAT(
      std::string(ReadExperiment(Write("syntax.pbtxt", "axes { nme: \"x\" }")).status().message()),
      HasSubstr("syntax.pbtxt:1:11: Message type \"pl.demos.load_generation.Axis\" has no "
                "field named \"nme\""));
}

TEST(Sweep, TheSummaryIsReadBackToResume) {
  const Experiment experiment = Parse(kMatrix);
  std::vector<ScenarioResult> results = {
      {.scenario = {{"replicas", "1"}, {"users", "200"}},
       .rps = 95.5,
       .median_ms = 20,
       .p95_ms = 40,
       .p99_ms = 60,
       .requests = 11460,
       .duration_s = 120,
       .timestamp = "2026-12-03T08:00:00Z",
       .status = "PASS"},
      {.scenario = {{"replicas", "1"}, {"users", "400"}},
       .timestamp = "2026-12-03T08:03:00Z",
       .status = "SETUP_FAILED",
       .detail = "setup exited with 1: error: \"inference\", not found"}};
  const std::string csv = SummaryCsv(experiment, results);
  EXPECT_THAT(csv, ::testing::StartsWith(
                       "replicas,users,RPS,Median_ms,P95_ms,P99_ms,Failures_Pct,Total_Requests,"
                       "Duration_s,Timestamp,Status,Detail\r\n"));
  EXPECT_THAT(csv, HasSubstr("1,200,95.50,20.000,40.000,60.000,0.000,11460,120.0,"
                             "2026-12-03T08:00:00Z,PASS,\r\n"));
  absl::StatusOr<std::vector<ScenarioResult>> back = ReadSummaryCsv(experiment, csv);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].scenario, results[1].scenario);
  EXPECT_EQ((*back)[1].detail, results[1].detail);
  EXPECT_EQ((*back)[0].requests, 11460);

  Experiment other = experiment;
  other.mutable_axes(0)->set_name("workers");
  EXPECT_THAT(ReadSummaryCsv(other, csv).status().message(), HasSubstr("its columns are"));

  const std::string md = SummaryMarkdown("matrix.pbtxt", experiment, results);
  EXPECT_THAT(md, HasSubstr("| 1 | 200 | 95.5 | 20.0 | 40.0 | 60.0 | 0.00 | 11460 | PASS |"));
  EXPECT_THAT(md, HasSubstr("- Best throughput: 95.5 req/s at replicas=1 users=200"));
  EXPECT_THAT(md, HasSubstr("- SETUP_FAILED at replicas=1 users=400: setup exited with 1"));
}

TEST(Sweep, TheHtmlSummaryDrawsALinePerCombinationOfTheOtherAxes) {
  const Experiment experiment = Parse(kMatrix);
  std::vector<ScenarioResult> results;
  for (const char* replicas : {"1", "2"}) {
    for (const char* users : {"200", "400", "800"}) {
      results.push_back({.scenario = {{"replicas", replicas}, {"users", users}},
                         .rps = 100.0 * std::atoi(replicas),
                         .p95_ms = 10,
                         .requests = 100,
                         .status = "OK"});
    }
  }
  const std::string html = SummaryHtml("m.pbtxt", experiment, results);
  EXPECT_EQ(html.find("src="), std::string::npos);  // nothing fetched
  // Against users (the load axis), a line for each replica count, on both charts.
  EXPECT_THAT(html, HasSubstr("data-series=\"replicas=1\" d=\"M"));
  EXPECT_THAT(html, HasSubstr("data-series=\"replicas=2\" d=\"M"));
  EXPECT_THAT(html, HasSubstr("Throughput (requests/s)"));
  EXPECT_THAT(html, HasSubstr("p95 latency (ms)"));
  EXPECT_THAT(html, HasSubstr("<td>2</td><td>800</td><td>200.0</td>"));
}

}  // namespace
}  // namespace loadgen
