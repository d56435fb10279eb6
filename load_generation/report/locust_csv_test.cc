#include "load_generation/report/locust_csv.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::StartsWith;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

// Locust's header lines, as in ../shared/reference/peers.md.
constexpr char kReferenceStats[] =
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min "
    "Response Time,Max Response Time,Average Content "
    "Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%";
constexpr char kReferenceHistory[] =
    "Timestamp,User "
    "Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,"
    "Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response "
    "Time,Total Min Response Time,Total Max Response Time,Total Average Content Size";
constexpr char kReferenceFailures[] = "Method,Name,Error,Occurrences,First Seen,Last Seen";

std::vector<std::string> Lines(const std::string& csv) {
  EXPECT_THAT(csv, EndsWith("\r\n"));
  std::vector<std::string> lines = absl::StrSplit(csv, "\r\n");
  lines.pop_back();  // after the last line end
  return lines;
}

// Splits a line without quoted fields.
std::vector<std::string> Fields(const std::string& line) { return absl::StrSplit(line, ','); }

TEST(LocustCsv, HeaderLinesAreLocustsByteForByte) {
  EXPECT_EQ(Lines(LocustStatsCsv(StatsTable(), absl::Seconds(1)))[0], kReferenceStats);
  EXPECT_EQ(LocustHistoryHeader(), std::string(kReferenceHistory) + "\r\n");
  EXPECT_EQ(LocustFailuresCsv(StatsTable()), std::string(kReferenceFailures) + "\r\n");
}

TEST(LocustCsv, AnEmptyTableHasAnAggregatedRowOfZerosAndNotApplicablePercentiles) {
  std::vector<std::string> lines = Lines(LocustStatsCsv(StatsTable(), absl::Seconds(10)));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1],
            ",Aggregated,0,0,0,0.0,0,0,0.0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,"
            "N/A,N/A");
}

TEST(LocustCsv, FiguresMatchTheRecordedRequests) {
  // 10,000 log-normal latencies on one name, 50 of them failures, and 5 on another.
  StatsTable table;
  std::mt19937_64 random(7);
  std::lognormal_distribution<double> latency_ms(std::log(20.0), 0.8);
  std::vector<int64_t> latencies;
  for (int i = 0; i < 10000; ++i) {
    const int64_t us = std::llround(latency_ms(random) * 1000);
    latencies.push_back(us);
    table.Record({"GET", "/product/[id]", us, 1000, i % 200 == 0 ? "HTTP 503" : "",
                  kT0 + absl::Milliseconds(i)});
  }
  for (int i = 0; i < 5; ++i) {
    table.Record({"POST", "/cart", 2000, 0, "", kT0});
    latencies.push_back(2000);
  }
  std::sort(latencies.begin(), latencies.end());

  std::vector<std::string> lines = Lines(LocustStatsCsv(table, absl::Seconds(100)));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_THAT(lines[1], StartsWith("POST,/cart,5,0,2,2.0,2.0,2.0,0.0,0.05,0.0,2,2,2,"));
  EXPECT_THAT(lines[2], StartsWith("GET,/product/[id],10000,50,"));
  const std::vector<std::string> total = Fields(lines[3]);
  ASSERT_EQ(total.size(), 22u);
  EXPECT_THAT(std::vector<std::string>(total.begin(), total.begin() + 4),
              ElementsAre("", "Aggregated", "10005", "50"));
  EXPECT_EQ(total[9], "100.05");  // requests/s over the 100 s counted
  EXPECT_EQ(total[10], "0.5");
  double average = 0, min = 0, max = 0;
  ASSERT_TRUE(absl::SimpleAtod(total[5], &average));
  ASSERT_TRUE(absl::SimpleAtod(total[6], &min));
  ASSERT_TRUE(absl::SimpleAtod(total[7], &max));
  EXPECT_DOUBLE_EQ(min, latencies.front() / 1000.0);
  EXPECT_DOUBLE_EQ(max, latencies.back() / 1000.0);
  double sum = 0;
  for (int64_t us : latencies) sum += us;
  EXPECT_NEAR(average, sum / latencies.size() / 1000.0, 0.0005);
  EXPECT_EQ(total[8], "999.5");  // average content size: 10^7 bytes over 10,005 requests

  // Percentiles: whole milliseconds of the exact value at that rank, within the histogram's
  // 0.1% error and the rounding to the nearest millisecond.
  const std::vector<double> quantiles = {0.5,  0.66, 0.75,  0.8,    0.9, 0.95,
                                         0.98, 0.99, 0.999, 0.9999, 1.0};
  for (size_t i = 0; i < quantiles.size(); ++i) {
    const size_t rank = static_cast<size_t>(std::ceil(quantiles[i] * latencies.size()));
    const double exact_ms = latencies[std::max<size_t>(rank, 1) - 1] / 1000.0;
    double written = 0;
    ASSERT_TRUE(absl::SimpleAtod(total[11 + i], &written)) << total[11 + i];
    EXPECT_NEAR(written, exact_ms, 0.5 + exact_ms * 0.001) << "percentile " << quantiles[i];
  }
  EXPECT_EQ(total[4], total[11]) << "the median is the 50% column";
}

TEST(LocustCsv, FailuresHaveARowPerKindWithFirstAndLastSeen) {
  StatsTable table;
  table.Record({"GET", "/a", 1000, 0, "HTTP 500", kT0 + absl::Milliseconds(1500)});
  table.Record({"GET", "/a", 1000, 0, "HTTP 500", kT0 + absl::Seconds(3)});
  table.Record({"GET", "/a", 1000, 0, "read: Connection reset by peer", kT0});
  table.Record({"POST", "/b", 1000, 0, "check failed: \"ok\" missing, got 2", kT0});
  EXPECT_THAT(
      Lines(LocustFailuresCsv(table)),
      ElementsAre(kReferenceFailures, "GET,/a,HTTP 500,2,2023-11-14T22:13:21Z,2023-11-14T22:13:23Z",
                  "GET,/a,read: Connection reset by peer,1,2023-11-14T22:13:20Z,"
                  "2023-11-14T22:13:20Z",
                  "POST,/b,\"check failed: \"\"ok\"\" missing, got 2\",1,"
                  "2023-11-14T22:13:20Z,2023-11-14T22:13:20Z"));
}

TEST(LocustCsv, ExceptionsAreTheHeaderAlone) {
  EXPECT_EQ(LocustExceptionsCsv(), "Count,Message,Traceback,Nodes\r\n");
}

TEST(LocustCsv, AHistoryRowHasCurrentRatesAndRunningTotals) {
  RequestStats total;
  for (int ms : {10, 20, 30}) total.Record({"GET", "/", int64_t{ms} * 1000, 100, "", kT0});
  RecentStats::Figures recent;
  recent.requests_per_s = 12.5;
  recent.failures_per_s = 0.25;
  EXPECT_EQ(LocustHistoryRow(kT0 + absl::Milliseconds(2900), 7, recent, total),
            "1700000002,7,,Aggregated,12.500000,0.250000,20,20,30,30,30,30,30,30,30,30,30,3,0,20,"
            "20.0,10.0,30.0,100.0\r\n");
  EXPECT_EQ(LocustHistoryRow(kT0, 0, {}, RequestStats()),
            "1700000000,0,,Aggregated,0.000000,0.000000,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,"
            "N/A,0,0,0,0.0,0,0,0.0\r\n");
}

TEST(CsvLine, QuotesOnlyFieldsThatNeedIt) {
  EXPECT_EQ(CsvLine({"a", "b c", "d,e", "f\"g", "h\ni", ""}),
            "a,b c,\"d,e\",\"f\"\"g\",\"h\ni\",\r\n");
}

}  // namespace
}  // namespace loadgen
