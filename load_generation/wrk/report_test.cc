#include "load_generation/wrk/report.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(WrkReport, UnitsAreWrks) {
  EXPECT_EQ(FormatWrkTimeUs(456), "456.00us");
  EXPECT_EQ(FormatWrkTimeUs(849), "849.00us");
  EXPECT_EQ(FormatWrkTimeUs(850), "0.85ms");
  EXPECT_EQ(FormatWrkTimeUs(1234), "1.23ms");
  EXPECT_EQ(FormatWrkTimeUs(1.5e6), "1.50s");
  EXPECT_EQ(FormatWrkTimeUs(90e6), "1.50m");
  EXPECT_EQ(FormatWrkTimeUs(30.0 * 3600e6), "1800.00m");  // as wrk: never hours
  EXPECT_EQ(FormatWrkMetric(52.1), "52.10");
  EXPECT_EQ(FormatWrkMetric(2110), "2.11k");
  EXPECT_EQ(FormatWrkMetric(3.2e6), "3.20M");
  EXPECT_EQ(FormatWrkBinary(1000), "0.98K");
  EXPECT_EQ(FormatWrkBinary(1.2 * 1024 * 1024), "1.20M");
  EXPECT_EQ(FormatWrkTimeS(10), "10s");
  EXPECT_EQ(FormatWrkTimeS(30), "30s");
  EXPECT_EQ(FormatWrkTimeS(120), "2m");
  EXPECT_EQ(FormatWrkTimeS(3600), "60m");  // as wrk: hours only past 51 minutes' worth of 60
}

TEST(WrkReport, HeaderNamesTheRun) {
  WrkOptions options;
  options.duration_s = 30;
  options.threads = 2;
  options.connections = 2;
  options.url = "http://frontend:5000";
  EXPECT_EQ(WrkRunningHeader(options),
            "Running 30s test @ http://frontend:5000\n  2 threads and 2 connections\n");
}

WrkResult Example() {
  WrkResult r;
  r.runtime = absl::Seconds(10);
  // 1,000 latencies: 900 at 1.0-1.9 ms, 90 at 5 ms, 9 at 20 ms, 1 at 250 ms.
  for (int i = 0; i < 900; ++i) r.latency.Record(1000 + i);
  for (int i = 0; i < 90; ++i) r.latency.Record(5000);
  for (int i = 0; i < 9; ++i) r.latency.Record(20000);
  r.latency.Record(250000);
  for (int i = 0; i < 1000; ++i) r.uncorrected_latency.Record(900 + i % 100);
  r.requests = 1000;
  r.bytes = 1234567;
  r.requests_per_s = {50, 50, 40, 60, 50, 50, 50, 50, 50, 50};
  return r;
}

TEST(WrkReport, GoldenLayoutOfEveryLine) {
  WrkResult r = Example();
  r.errors = {.connect = 1, .read = 2, .write = 0, .status = 12, .timeout = 3};
  const std::string report = WrkReport(r, /*latency=*/true, /*u_latency=*/false);
  const std::vector<std::string> lines = absl::StrSplit(report, '\n');
  ASSERT_GT(lines.size(), 40u);
  EXPECT_EQ(lines[0], "  Thread Stats   Avg      Stdev     Max   +/- Stdev");
  EXPECT_EQ(lines[1], "    Latency     2.18ms    8.09ms 250.00ms   99.00%");
  EXPECT_EQ(lines[2], "    Req/Sec    50.00      4.47    60.00     80.00%");
  EXPECT_EQ(lines[3], "  Latency Distribution (HdrHistogram - Recorded Latency)");
  EXPECT_EQ(lines[4], " 50.000%    1.50ms");
  EXPECT_EQ(lines[5], " 75.000%    1.75ms");
  EXPECT_EQ(lines[6], " 90.000%    1.90ms");
  EXPECT_EQ(lines[7], " 99.000%    5.01ms");
  EXPECT_EQ(lines[8], " 99.900%   20.03ms");
  EXPECT_EQ(lines[9], " 99.990%  250.00ms");
  EXPECT_EQ(lines[10], " 99.999%  250.00ms");
  EXPECT_EQ(lines[11], "100.000%  250.00ms");
  EXPECT_EQ(lines[12], "");
  EXPECT_EQ(lines[13], "  Detailed Percentile spectrum:");
  EXPECT_EQ(lines[14], "       Value   Percentile   TotalCount 1/(1-Percentile)");
  EXPECT_EQ(lines[15], "");
  EXPECT_EQ(lines[16], "       1.000     0.000000            1         1.00");
  EXPECT_EQ(lines[17], "       1.099     0.100000          100         1.11");
  const size_t n = lines.size();
  // The last tick the 250 ms bucket reaches, then the 100 % row.
  EXPECT_EQ(lines[n - 12], "     250.000     0.999023         1000      1024.00");
  EXPECT_EQ(lines[n - 11], "     250.000     1.000000         1000          inf");
  EXPECT_EQ(lines[n - 10], "#[Mean    =        2.185, StdDeviation   =        8.095]");
  EXPECT_EQ(lines[n - 9], "#[Max     =      250.000, Total count    =         1000]");
  EXPECT_EQ(lines[n - 8], "#[Buckets =           55, SubBuckets     =          512]");
  EXPECT_EQ(lines[n - 7], "----------------------------------------------------------");
  EXPECT_EQ(lines[n - 6], "  1000 requests in 10.00s, 1.18MB read");
  EXPECT_EQ(lines[n - 5], "  Socket errors: connect 1, read 2, write 0, timeout 3");
  EXPECT_EQ(lines[n - 4], "  Non-2xx or 3xx responses: 12");
  EXPECT_EQ(lines[n - 3], "Requests/sec:    100.00");
  EXPECT_EQ(lines[n - 2], "Transfer/sec:    120.56KB");
  EXPECT_EQ(lines[n - 1], "");
}

TEST(WrkReport, WithoutLatencyOnlyTheTableAndTotalsAndNoErrorLinesWhenNone) {
  const std::string report = WrkReport(Example(), false, false);
  EXPECT_THAT(report, Not(HasSubstr("Latency Distribution")));
  EXPECT_THAT(report, Not(HasSubstr("Socket errors")));
  EXPECT_THAT(report, Not(HasSubstr("Non-2xx")));
  EXPECT_THAT(report, Not(HasSubstr("-----")));
  EXPECT_THAT(report, HasSubstr("  1000 requests in 10.00s"));
}

TEST(WrkReport, UncorrectedDistributionFollowsWithItsOwnTitle) {
  const std::string report = WrkReport(Example(), true, true);
  const size_t recorded = report.find("(HdrHistogram - Recorded Latency)");
  const size_t uncorrected = report.find(
      "\n\n  Latency Distribution (HdrHistogram - Uncorrected Latency (measured without taking "
      "delayed starts into account))\n 50.000%    0.95ms\n");
  ASSERT_NE(recorded, std::string::npos);
  ASSERT_NE(uncorrected, std::string::npos) << report;
  EXPECT_LT(recorded, uncorrected);
}

// The spectrum's percentiles are HdrHistogram's ticks: from p the next is
// p + 100 / (5 * 2^(floor(log2(100 / (100 - p))) + 1)); each row is at the first bucket that
// reaches its tick and shows how many values are at or below it.
TEST(WrkReport, SpectrumTicksAreHdrHistogramsIterator) {
  LatencyHistogram h;
  for (int v = 0; v < 512; ++v) h.Record(v);  // exact below 512: one bucket per value
  const std::string spectrum = WrkPercentileSpectrum(h);
  std::vector<std::string> rows = absl::StrSplit(spectrum, '\n');
  rows.erase(rows.begin(), rows.begin() + 2);  // the column titles and the blank line
  double tick = 0;
  int checked = 0;
  for (const std::string& row : rows) {
    if (row.empty() || row[0] == '#') break;
    std::vector<std::string> columns = absl::StrSplit(row, ' ', absl::SkipEmpty());
    ASSERT_EQ(columns.size(), 4u) << row;
    double value = 0, percentile = 0;
    int64_t count = 0;
    ASSERT_TRUE(absl::SimpleAtod(columns[0], &value));
    ASSERT_TRUE(absl::SimpleAtod(columns[1], &percentile));
    ASSERT_TRUE(absl::SimpleAtoi(columns[2], &count));
    if (columns[3] == "inf") {
      EXPECT_EQ(percentile, 1.0);
      EXPECT_EQ(count, 512);
      EXPECT_DOUBLE_EQ(value, 0.511);
      break;
    }
    EXPECT_NEAR(percentile, tick / 100, 1e-6) << row;
    // The first value whose cumulative share reaches the tick: count = ceil(tick% of 512).
    const int64_t expected_count = std::max<int64_t>(1, std::ceil(tick / 100 * 512 - 1e-9));
    EXPECT_EQ(count, expected_count) << row;
    EXPECT_DOUBLE_EQ(value, (expected_count - 1) / 1000.0) << row;
    tick += 100 / (5 * std::pow(2, std::floor(std::log2(100 / (100 - tick))) + 1));
    ++checked;
  }
  EXPECT_GT(checked, 40);
  EXPECT_THAT(spectrum, HasSubstr("#[Max     =        0.511, Total count    =          512]"));
}

TEST(WrkReport, AnEmptyRunStillPrintsEveryLine) {
  WrkResult empty;
  empty.runtime = absl::Seconds(1);
  const std::string report = WrkReport(empty, true, false);
  EXPECT_THAT(report, HasSubstr("    Latency     0.00us    0.00us   0.00us    0.00%\n"));
  EXPECT_THAT(report, HasSubstr("       0.000     1.000000            0          inf\n"));
  EXPECT_THAT(report, HasSubstr("  0 requests in 1.00s, 0.00B read\n"));
  EXPECT_THAT(report, HasSubstr("Requests/sec:      0.00\n"));
  EXPECT_THAT(report, Not(HasSubstr("nan")));
}

}  // namespace
}  // namespace loadgen
