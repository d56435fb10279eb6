#include "load_generation/report/html_report.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int Count(const std::string& text, const std::string& literal) {
  int n = 0;
  for (size_t at = text.find(literal); at != std::string::npos; at = text.find(literal, at + 1)) {
    ++n;
  }
  return n;
}

// The path data of each series in `chart`.
std::vector<std::string> Paths(const std::string& chart) {
  std::vector<std::string> paths;
  for (size_t at = chart.find("class=\"series\""); at != std::string::npos;
       at = chart.find("class=\"series\"", at + 1)) {
    const size_t d = chart.find(" d=\"", at) + 4;
    paths.push_back(chart.substr(d, chart.find('"', d) - d));
  }
  return paths;
}

// Points in a path ("M x y" starts a line, "L x y" continues it).
int Points(const std::string& path) { return Count(path, "M") + Count(path, "L"); }

// The part of `html` from the chart of `figure` to its end.
std::string ChartOf(const std::string& html, const std::string& figure) {
  const size_t start = html.find("data-figure=\"" + figure + "\"");
  EXPECT_NE(start, std::string::npos) << figure;
  return html.substr(start, html.find("</svg>", start) - start);
}

HtmlReportInput Input(int seconds) {
  HtmlReportInput input;
  input.title = "run <1>";
  input.facts = {{"target", "http://shop:80/?a=1&b=2"}};
  input.rows = {PhaseRow{.loop = "0", .phase = "0", .name = "<warm>", .users = 5}};
  for (int s = 1; s <= seconds; ++s) {
    TimelinePoint p{.at = absl::Seconds(s), .users = s, .requests_per_s = 10.0 * s};
    if (s != 3) {  // no request completed in second 3
      p.p50_ms = 5;
      p.p95_ms = 9;
      p.p99_ms = 12;
    }
    input.timeline.push_back(p);
  }
  input.phase_starts = {{absl::ZeroDuration(), "0 <warm>"},
                        {absl::Seconds(4), "1 peak"},
                        {absl::Seconds(8), "2 \"cool\""}};
  input.control_actions = {{absl::Seconds(5), "users 50"}, {absl::Seconds(6), "pause"}};
  input.requests.Record({"GET", "/cart", 2000, 10, "", absl::UnixEpoch()});
  input.requests.Record({"POST", "/cart", 8000, 10, "HTTP 503", absl::UnixEpoch()});
  input.counted = absl::Seconds(2);
  return input;
}

TEST(HtmlReport, FourChartsWithTheirSeriesAndEveryPhaseStartAndActionOnEach) {
  const std::string html = HtmlReport(Input(10));
  EXPECT_EQ(Count(html, "<svg class=\"chart\""), 4);
  EXPECT_EQ(Count(ChartOf(html, "users"), "class=\"series\""), 1);
  EXPECT_EQ(Count(ChartOf(html, "requests"), "class=\"series\""), 1);
  EXPECT_EQ(Count(ChartOf(html, "latency"), "class=\"series\""), 3) << "p50, p95 and p99";
  EXPECT_EQ(Count(ChartOf(html, "failures"), "class=\"series\""), 1);
  for (const char* figure : {"users", "requests", "latency", "failures"}) {
    EXPECT_EQ(Count(ChartOf(html, figure), "class=\"phase-change\""), 3) << "phase 0 too";
    EXPECT_EQ(Count(ChartOf(html, figure), "class=\"control-action\""), 2) << figure;
  }
  EXPECT_THAT(ChartOf(html, "users"), HasSubstr(">users 50</text>"));
  // 10 points; the latency lines break where a second had no requests.
  EXPECT_EQ(Points(Paths(ChartOf(html, "users"))[0]), 10);
  for (const std::string& path : Paths(ChartOf(html, "latency"))) {
    EXPECT_EQ(Points(path), 9);
    EXPECT_EQ(Count(path, "M"), 2) << "each latency line starts again after the gap";
  }
}

TEST(HtmlReport, OpenPhasesAddTheCorrectedLatencyAndTheirColumns) {
  HtmlReportInput input;
  input.rows = {{.loop = "0",
                 .phase = "0",
                 .name = "open",
                 .requests = 10,
                 .arrivals = {.arrivals = 10, .late_starts = 2, .dropped = 1},
                 .corrected_p50_ms = 3,
                 .corrected_p99_ms = 250}};
  for (int s = 1; s <= 3; ++s) {
    input.timeline.push_back({.at = absl::Seconds(s),
                              .requests_per_s = 10,
                              .p50_ms = 1,
                              .p95_ms = 2,
                              .p99_ms = 3,
                              .corrected_p99_ms = 100.0 * s});
  }
  const std::string html = HtmlReport(input);
  EXPECT_EQ(Count(ChartOf(html, "latency"), "class=\"series\""), 4);
  EXPECT_THAT(html, HasSubstr("data-series=\"corrected p99\""));
  EXPECT_THAT(html, HasSubstr("<th>corrected p99 ms</th><th>late</th><th>dropped</th>"));
  EXPECT_THAT(html, HasSubstr("<td>3.00</td><td>250.00</td><td>2</td><td>1</td>"));
  EXPECT_THAT(html, Not(HasSubstr("<h2>Arrivals")));  // none in the run's table
  input.requests.RecordArrival("Normal", ArrivalEvent::kArrived);
  input.requests.RecordArrival("Normal", ArrivalEvent::kStartedLate);
  EXPECT_THAT(HtmlReport(input),
              HasSubstr("<tr><td>Normal</td><td>1</td><td>1</td><td>0</td></tr>"));
}

TEST(HtmlReport, RequestsAndFailuresTablesAsLocustShowsThem) {
  const std::string html = HtmlReport(Input(3));
  EXPECT_THAT(html, HasSubstr("<th>p99.9 ms</th>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>GET</td><td>/cart</td><td>1</td><td>0</td><td>2.00</td>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>POST</td><td>/cart</td><td>1</td><td>1</td><td>8.00</td>"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"total\"><td></td><td>Aggregated</td><td>2</td>"
                              "<td>1</td>"));
  EXPECT_THAT(html, HasSubstr("<td>1.0</td><td>0.50</td></tr>")) << "rates over 2 s";
  EXPECT_THAT(html, HasSubstr("<tr><td>POST</td><td>/cart</td><td>HTTP 503</td><td>1</td></tr>"));
  EXPECT_THAT(HtmlReport(HtmlReportInput()), HasSubstr("<p>No failures.</p>"));
  EXPECT_THAT(HtmlReport(HtmlReportInput()), HasSubstr("<td>Aggregated</td><td>0</td><td>0</td>"
                                                       "<td>N/A</td>"));
}

TEST(HtmlReport, IsSelfContainedAndEscapesText) {
  const std::string html = HtmlReport(Input(3));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("href=")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_THAT(html, HasSubstr("<title>run &lt;1&gt;</title>"));
  EXPECT_THAT(html, HasSubstr("http://shop:80/?a=1&amp;b=2"));
  EXPECT_THAT(html, HasSubstr("&lt;warm&gt;"));
  EXPECT_THAT(html, HasSubstr("2 &quot;cool&quot;"));
}

TEST(HtmlReport, LongRunsAreAveragedDownToABoundedNumberOfPoints) {
  const std::string html = HtmlReport(Input(24 * 3600));
  const int points = Points(Paths(ChartOf(html, "requests"))[0]);
  EXPECT_GT(points, 1000);
  EXPECT_LE(points, 1200);
  EXPECT_LT(html.size(), 1u << 20);
}

TEST(HtmlReport, ThresholdsAreListedWithTheirVerdict) {
  HtmlReportInput input = Input(2);
  EXPECT_EQ(input.thresholds.size(), 0u);
  EXPECT_EQ(HtmlReport(input).find("Thresholds"), std::string::npos);
  ThresholdResult failed{.value = 250.5, .passed = false};
  failed.threshold.set_metric("p99");
  failed.threshold.set_below(200);
  failed.threshold.set_request("/cart");
  input.thresholds = {failed};
  const std::string html = HtmlReport(input);
  EXPECT_THAT(html, HasSubstr("<h2>Thresholds</h2>"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"fail\"><td>p99 of /cart &lt; 200 ms</td>"
                              "<td>250.5</td><td>FAIL</td></tr>"));
}

TEST(HtmlReport, ARunWithoutTimelineStillHasItsTable) {
  HtmlReportInput input = Input(0);
  input.phase_starts.clear();
  input.control_actions.clear();
  const std::string html = HtmlReport(input);
  EXPECT_THAT(html, HasSubstr("too short for a timeline"));
  EXPECT_EQ(Count(html, "<svg class=\"chart\""), 4);
  EXPECT_THAT(html, HasSubstr("<td>&lt;warm&gt;</td>"));
}

}  // namespace
}  // namespace loadgen
