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
    }
    input.timeline.push_back(p);
  }
  input.phase_changes = {{absl::Seconds(4), "1 peak"}, {absl::Seconds(8), "2 \"cool\""}};
  return input;
}

TEST(HtmlReport, FourChartsWithTheirSeriesAndEveryPhaseChangeOnEach) {
  const std::string html = HtmlReport(Input(10));
  EXPECT_EQ(Count(html, "<svg class=\"chart\""), 4);
  EXPECT_EQ(Count(ChartOf(html, "users"), "class=\"series\""), 1);
  EXPECT_EQ(Count(ChartOf(html, "requests"), "class=\"series\""), 1);
  EXPECT_EQ(Count(ChartOf(html, "latency"), "class=\"series\""), 2);
  EXPECT_EQ(Count(ChartOf(html, "failures"), "class=\"series\""), 1);
  for (const char* figure : {"users", "requests", "latency", "failures"}) {
    EXPECT_EQ(Count(ChartOf(html, figure), "class=\"phase-change\""), 2) << figure;
  }
  // 10 points; the latency lines break where a second had no requests.
  EXPECT_EQ(Points(Paths(ChartOf(html, "users"))[0]), 10);
  for (const std::string& path : Paths(ChartOf(html, "latency"))) {
    EXPECT_EQ(Points(path), 9);
    EXPECT_EQ(Count(path, "M"), 2) << "each latency line starts again after the gap";
  }
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

TEST(HtmlReport, ARunWithoutTimelineStillHasItsTable) {
  HtmlReportInput input = Input(0);
  input.phase_changes.clear();
  const std::string html = HtmlReport(input);
  EXPECT_THAT(html, HasSubstr("too short for a timeline"));
  EXPECT_EQ(Count(html, "<svg class=\"chart\""), 4);
  EXPECT_THAT(html, HasSubstr("<td>&lt;warm&gt;</td>"));
}

}  // namespace
}  // namespace loadgen
