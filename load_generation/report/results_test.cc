#include "load_generation/report/results.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::StartsWith;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return absl::StrSplit(text.str(), "\r\n", absl::SkipEmpty());
}

DaemonStatus Running(int users) {
  DaemonStatus status;
  status.position = {.state = RunState::kRunning, .run_number = 1};
  status.run.start = kT0;
  status.run.users = {{.name = "Browser", .target = users, .active = users}};
  return status;
}

StatsTotals Totals(int requests) {
  StatsTotals totals;
  for (int i = 0; i < requests; ++i) {
    totals.total.Record({"GET", "/", 2000, 10, "", kT0});
  }
  return totals;
}

TEST(RunResults, HistoryStartsAtZeroUsersAndHasOneRowPerSecond) {
  const std::string prefix = ::testing::TempDir() + "/history";
  {
    RunResults results({.csv_prefix = prefix}, 1);
    results.Begin(kT0);
    results.Sample(kT0 + absl::Milliseconds(1000), Running(5), Totals(10));
    results.Sample(kT0 + absl::Milliseconds(2100), Running(5), Totals(20));
    results.Finish(kT0 + absl::Milliseconds(2600), Running(0), Totals(25), {}, {});
  }
  const std::vector<std::string> lines = Lines(prefix + "_stats_history.csv");
  ASSERT_EQ(lines.size(), 4u) << "a header, the first row and a row per second";
  EXPECT_THAT(lines[1], StartsWith("1700000000,0,,Aggregated,0.000000,0.000000,N/A,N/A,"));
  EXPECT_THAT(lines[2], StartsWith("1700000001,5,,Aggregated,"));
  EXPECT_THAT(lines[3], StartsWith("1700000002,0,,Aggregated,"))
      << "the final row replaces the sample of its second";
  EXPECT_THAT(lines[3], ::testing::HasSubstr(",25,0,")) << "the final count";
  std::vector<std::string> seconds;
  for (size_t i = 1; i < lines.size(); ++i) seconds.push_back(lines[i].substr(0, 10));
  EXPECT_EQ(seconds, std::vector<std::string>({"1700000000", "1700000001", "1700000002"}));
}

TEST(RunResults, TheReportMarksControlActionsAndEveryPhaseStart) {
  const std::string html = ::testing::TempDir() + "/actions.html";
  {
    RunResults results({.html_path = html}, 1);
    DaemonStatus status = Running(5);
    status.run.running = true;
    status.run.occurrence = PhaseOccurrence{.number = 0, .phase = 0, .start = kT0};
    int second = 0;
    auto sample = [&](int requests) {
      results.Sample(kT0 + absl::Seconds(++second), status, Totals(requests));
    };
    sample(10);
    status.run.paused = true;
    sample(20);  // pause
    status.run.paused = false;
    sample(30);  // resume
    status.run.override_users = 50;
    sample(40);  // users 50
    status.run.override_users.reset();
    sample(50);  // users clear
    sample(5);   // stats reset
    status.run.override_users = 7;
    sample(10);  // users 7
    status.run.override_users.reset();
    status.run.occurrence =
        PhaseOccurrence{.number = 1, .phase = 1, .start = kT0 + absl::Seconds(8)};
    sample(20);  // a new phase ended the override: no action
    results.Finish(kT0 + absl::Seconds(++second), status, Totals(25), {}, {});
  }
  std::ifstream in(html);
  std::stringstream page;
  page << in.rdbuf();
  const std::string text = page.str();
  const size_t chart = text.find("data-figure=\"users\"");
  const std::string users_chart = text.substr(chart, text.find("</svg>", chart) - chart);
  std::vector<std::string> labels;
  for (size_t at = users_chart.find("class=\"control-action\""); at != std::string::npos;
       at = users_chart.find("class=\"control-action\"", at + 1)) {
    const size_t title = users_chart.find("<title>", at) + 7;
    labels.push_back(users_chart.substr(title, users_chart.find("</title>", title) - title));
  }
  EXPECT_EQ(labels, std::vector<std::string>(
                        {"pause", "resume", "users 50", "users clear", "stats reset", "users 7"}));
  size_t phases = 0;
  for (size_t at = users_chart.find("class=\"phase-change\""); at != std::string::npos;
       at = users_chart.find("class=\"phase-change\"", at + 1)) {
    ++phases;
  }
  EXPECT_EQ(phases, 2u) << "phase 0 and phase 1";
}

}  // namespace
}  // namespace loadgen
