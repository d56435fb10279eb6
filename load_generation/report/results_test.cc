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

}  // namespace
}  // namespace loadgen
