#include "load_generation/report/html_report.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "load_generation/report/markup.h"
#include "load_generation/report/thresholds.h"

namespace loadgen {
namespace {

constexpr int kWidth = 960, kHeight = 220;
constexpr int kLeft = 64, kRight = 24, kTop = 28, kBottom = 30;
constexpr int kPlotWidth = kWidth - kLeft - kRight, kPlotHeight = kHeight - kTop - kBottom;
constexpr size_t kMaxPoints = 1200;  // longer timelines are averaged down to this many points
constexpr const char* kPhaseChangeColour = "#17becf";
constexpr const char* kControlActionColour = "#e377c2";

// A round step (1, 2 or 5 times a power of ten) that cuts `range` into about `ticks` parts.
double NiceStep(double range, int ticks) {
  const double raw = std::max(range / ticks, 1e-9);
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}

std::string FormatNumber(double value) {
  if (value != 0 && std::fabs(value) < 10) return absl::StrFormat("%.3g", value);
  return absl::StrFormat("%.0f", value);
}

// Averages groups of consecutive points so that at most kMaxPoints remain.
std::vector<TimelinePoint> Downsample(const std::vector<TimelinePoint>& points) {
  if (points.size() <= kMaxPoints) return points;
  const size_t group = (points.size() + kMaxPoints - 1) / kMaxPoints;
  std::vector<TimelinePoint> out;
  for (size_t i = 0; i < points.size(); i += group) {
    const size_t end = std::min(points.size(), i + group);
    TimelinePoint sum{.at = points[end - 1].at};
    double users = 0, p50 = 0, p95 = 0, p99 = 0, corrected = 0;
    int latencies = 0, corrected_latencies = 0;
    for (size_t j = i; j < end; ++j) {
      users += points[j].users;
      sum.requests_per_s += points[j].requests_per_s;
      sum.failures_per_s += points[j].failures_per_s;
      if (points[j].p50_ms) {
        p50 += *points[j].p50_ms;
        p95 += *points[j].p95_ms;
        p99 += points[j].p99_ms.value_or(*points[j].p95_ms);
        ++latencies;
      }
      if (points[j].corrected_p99_ms) {
        corrected += *points[j].corrected_p99_ms;
        ++corrected_latencies;
      }
    }
    const double n = static_cast<double>(end - i);
    sum.users = static_cast<int>(std::lround(users / n));
    sum.requests_per_s /= n;
    sum.failures_per_s /= n;
    if (latencies > 0) {
      sum.p50_ms = p50 / latencies;
      sum.p95_ms = p95 / latencies;
      sum.p99_ms = p99 / latencies;
    }
    if (corrected_latencies > 0) sum.corrected_p99_ms = corrected / corrected_latencies;
    out.push_back(sum);
  }
  return out;
}

struct Series {
  std::string name;
  std::string colour;
  std::function<std::optional<double>(const TimelinePoint&)> value;
};

std::string Chart(const std::string& figure, const std::string& title,
                  const std::vector<Series>& series, const std::vector<TimelinePoint>& points,
                  const HtmlReportInput& input) {
  absl::Duration span = absl::Seconds(1);
  for (const TimelinePoint& p : points) span = std::max(span, p.at);
  for (const ChartMarker& m : input.phase_starts) span = std::max(span, m.at);
  for (const ChartMarker& m : input.control_actions) span = std::max(span, m.at);
  double top = 0;
  for (const Series& s : series) {
    for (const TimelinePoint& p : points) top = std::max(top, s.value(p).value_or(0));
  }
  const double y_step = NiceStep(top > 0 ? top : 1, 4);
  const double y_max = std::max(y_step, std::ceil(top / y_step) * y_step);
  const double seconds = absl::ToDoubleSeconds(span);
  auto x = [&](absl::Duration at) {
    return kLeft + kPlotWidth * std::clamp(absl::ToDoubleSeconds(at) / seconds, 0.0, 1.0);
  };
  auto y = [&](double v) { return kTop + kPlotHeight * (1 - std::clamp(v / y_max, 0.0, 1.0)); };

  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" data-figure=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "xmlns=\"http://www.w3.org/2000/svg\" shape-rendering=\"crispEdges\">\n"
      "<text x=\"%d\" y=\"16\" class=\"title\">%s</text>\n",
      figure, kWidth, kHeight, kWidth, kHeight, kLeft, HtmlEscape(title));
  int legend_x = kLeft + 260;
  for (const Series& s : series) {
    absl::StrAppendFormat(&svg,
                          "<rect x=\"%d\" y=\"8\" width=\"14\" height=\"3\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"14\" class=\"legend\">%s</text>\n",
                          legend_x, s.colour, legend_x + 18, HtmlEscape(s.name));
    legend_x += 120;
  }
  for (int i = 0; i * y_step <= y_max * 1.0001; ++i) {
    const double v = i * y_step;
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
        "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>\n",
        kLeft, kLeft + kPlotWidth, y(v), y(v), kLeft - 6, y(v) + 4, FormatNumber(v));
  }
  const double x_step = std::max(1.0, NiceStep(seconds, 6));
  for (int i = 0; i * x_step <= seconds * 1.0001; ++i) {
    const double t = i * x_step;
    const double at = x(absl::Seconds(t));
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"axis\"/>"
        "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>\n",
        at, at, kTop + kPlotHeight, kTop + kPlotHeight + 4, at, kTop + kPlotHeight + 18,
        absl::FormatDuration(absl::Seconds(t)));
  }
  for (const Series& s : series) {
    std::string path;
    bool pen_down = false;
    for (const TimelinePoint& p : points) {
      const std::optional<double> v = s.value(p);
      if (!v) {
        pen_down = false;
        continue;
      }
      absl::StrAppendFormat(&path, "%s%.1f %.1f ", pen_down ? "L" : "M", x(p.at), y(*v));
      pen_down = true;
    }
    absl::StrAppendFormat(&svg,
                          "<path class=\"series\" data-series=\"%s\" d=\"%s\" fill=\"none\" "
                          "stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n",
                          HtmlEscape(s.name), path, s.colour);
  }
  absl::StrAppendFormat(&svg,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"frame\"/>\n",
                        kLeft, kTop, kPlotWidth, kPlotHeight);
  // Markers over the frame, so that one at the very start (phase 0) shows.
  auto mark = [&](const ChartMarker& m, const char* kind, const char* colour, const char* dashes,
                  int label_y) {
    const double at = std::round(x(m.at)) + 1;
    const bool near_end = at > kLeft + kPlotWidth - 80;  // the label goes left of the line
    absl::StrAppendFormat(&svg,
                          "<line class=\"%s\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%d\" y2=\"%d\" "
                          "stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"%s\">"
                          "<title>%s</title></line>"
                          "<text x=\"%.0f\" y=\"%d\" class=\"marker-label\"%s>%s</text>\n",
                          kind, at, at, kTop, kTop + kPlotHeight, colour, dashes,
                          HtmlEscape(m.label), near_end ? at - 4 : at + 4, label_y,
                          near_end ? " text-anchor=\"end\"" : "", HtmlEscape(m.label));
  };
  for (const ChartMarker& m : input.phase_starts) {
    mark(m, "phase-change", kPhaseChangeColour, "6 3", kTop + 10);
  }
  for (const ChartMarker& m : input.control_actions) {
    mark(m, "control-action", kControlActionColour, "2 2", kTop + kPlotHeight - 4);
  }
  return svg + "</svg>\n";
}

// Milliseconds with two decimals, or N/A without requests.
std::string Ms(int64_t requests, double ms) {
  return requests == 0 ? "N/A" : absl::StrFormat("%.2f", ms);
}

std::string RequestRow(const std::string& method, const std::string& name, const RequestStats& r,
                       double seconds, bool total) {
  const LatencyHistogram& l = r.latency_us;
  auto ms = [&](double q) { return Ms(r.requests, UsToMs(l.ValueAtQuantile(q))); };
  return absl::StrFormat(
      "<tr%s><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td>"
      "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%.1f</td><td>%.2f</td></tr>\n",
      total ? " class=\"total\"" : "", HtmlEscape(method), HtmlEscape(name), r.requests, r.failures,
      ms(0.5), ms(0.9), ms(0.95), ms(0.99), ms(0.999), Ms(r.requests, UsToMs(l.Max())),
      Ms(r.requests, l.Mean() / 1000), seconds > 0 ? r.requests / seconds : 0.0,
      seconds > 0 ? r.failures / seconds : 0.0);
}

// Locust's statistics table: a row per (method, name), then the Aggregated row.
std::string RequestsTable(const StatsTable& table, absl::Duration counted) {
  const double seconds = absl::ToDoubleSeconds(counted);
  std::string html =
      "<table class=\"requests\">\n<tr><th>method</th><th>name</th><th>requests</th>"
      "<th>failures</th><th>p50 ms</th><th>p90 ms</th><th>p95 ms</th><th>p99 ms</th>"
      "<th>p99.9 ms</th><th>max ms</th><th>average ms</th><th>req/s</th><th>failures/s</th>"
      "</tr>\n";
  for (const auto& [key, stats] : table.Entries()) {
    html += RequestRow(key.method, key.name, *stats, seconds, false);
  }
  html += RequestRow("", "Aggregated", table.Total(), seconds, true);
  return html + "</table>\n";
}

std::string FailuresTable(const StatsTable& table) {
  const auto failures = table.Failures();
  if (failures.empty()) return "<p>No failures.</p>\n";
  std::string html =
      "<table class=\"failures\">\n<tr><th>method</th><th>name</th><th>error</th>"
      "<th>occurrences</th></tr>\n";
  for (const auto& [key, failure] : failures) {
    absl::StrAppendFormat(&html, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%d</td></tr>\n",
                          HtmlEscape(key.method), HtmlEscape(key.name), HtmlEscape(key.error),
                          failure->occurrences);
  }
  return html + "</table>\n";
}

// The arrivals of open phases per user type; "" for a run without open phases.
std::string ArrivalsTable(const StatsTable& table) {
  if (table.Arrivals().empty()) return "";
  std::string html =
      "<h2>Arrivals (open phases)</h2>\n<table class=\"arrivals\">\n<tr><th>user type</th>"
      "<th>arrivals</th><th>late starts</th><th>dropped</th></tr>\n";
  for (const auto& [type, counts] : table.Arrivals()) {
    absl::StrAppendFormat(&html, "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td></tr>\n",
                          HtmlEscape(type), counts.arrivals, counts.late_starts, counts.dropped);
  }
  return html + "</table>\n";
}

std::string Table(const std::vector<PhaseRow>& rows) {
  std::string html =
      "<table>\n<tr><th>loop</th><th>phase</th><th>name</th><th>users</th><th>duration</th>"
      "<th>requests</th><th>failures</th><th>req/s</th><th>p50 ms</th><th>p95 ms</th>"
      "<th>p99 ms</th><th>max ms</th><th>failures %</th>";
  // Open phases: the corrected latency, late starts and drops.
  const bool open = AnyOpenPhase(rows);
  if (open)
    html += "<th>corrected p50 ms</th><th>corrected p99 ms</th><th>late</th><th>dropped</th>";
  html += "</tr>\n";
  for (const PhaseRow& r : rows) {
    absl::StrAppendFormat(
        &html,
        "<tr%s><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%.1f s</td><td>%d</td><td>%d</td>"
        "<td>%.1f</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%.2f</td>",
        r.loop.empty() ? " class=\"total\"" : "", HtmlEscape(r.loop), HtmlEscape(r.phase),
        HtmlEscape(r.name), r.loop.empty() ? "" : absl::StrCat(r.users),
        absl::ToDoubleSeconds(r.duration), r.requests, r.failures, r.requests_per_s,
        Ms(r.requests, r.median_ms), Ms(r.requests, r.p95_ms), Ms(r.requests, r.p99_ms),
        Ms(r.requests, r.max_ms), r.failure_percent);
    if (open) {
      const int64_t corrected = r.arrivals.arrivals > 0 ? r.requests : 0;
      absl::StrAppendFormat(&html, "<td>%s</td><td>%s</td><td>%d</td><td>%d</td>",
                            Ms(corrected, r.corrected_p50_ms), Ms(corrected, r.corrected_p99_ms),
                            r.arrivals.late_starts, r.arrivals.dropped);
    }
    html += "</tr>\n";
  }
  html += "</table>\n";
  if (const std::string note = TableNotes(rows); !note.empty()) {
    absl::StrAppend(&html, "<p>", HtmlEscape(note), "</p>\n");
  }
  return html;
}

}  // namespace

std::string HtmlReport(const HtmlReportInput& input) {
  const std::vector<TimelinePoint> points = Downsample(input.timeline);
  std::string html =
      absl::StrCat("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
                   HtmlEscape(input.title),
                   "</title>\n<style>\n"
                   "body { font: 14px sans-serif; margin: 24px; color: #222; background: #fff; }\n"
                   "table { border-collapse: collapse; margin: 12px 0 24px; }\n"
                   "th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }\n"
                   "td:nth-child(3), th:nth-child(3) { text-align: left; }\n"
                   "tr.total td { font-weight: bold; }\n"
                   "dl { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }\n"
                   "dt { color: #555; } dd { margin: 0; }\n"
                   "svg.chart { display: block; margin: 8px 0 16px; }\n"
                   ".title { font: bold 14px sans-serif; fill: #222; }\n"
                   ".legend, .tick { font: 12px sans-serif; fill: #444; }\n"
                   ".marker-label { font: 11px sans-serif; fill: #444; }\n"
                   "table.requests td:nth-child(2), table.requests th:nth-child(2), "
                   "table.failures td, table.failures th, table.arrivals td:first-child, "
                   "table.thresholds td:first-child { text-align: left; }\n"
                   "tr.fail td { color: #b00; font-weight: bold; }\n"
                   ".grid { stroke: #e4e4e4; } .axis { stroke: #888; }\n"
                   ".frame { fill: none; stroke: #888; }\n"
                   "</style>\n</head>\n<body>\n<h1>",
                   HtmlEscape(input.title), "</h1>\n<dl>\n");
  for (const auto& [what, value] : input.facts) {
    absl::StrAppend(&html, "<dt>", HtmlEscape(what), "</dt><dd>", HtmlEscape(value), "</dd>\n");
  }
  html += "</dl>\n";
  if (!input.thresholds.empty()) {
    absl::StrAppend(&html, "<h2>Thresholds</h2>\n<table class=\"thresholds\">\n",
                    "<tr><th>threshold</th><th>value</th><th>result</th></tr>\n");
    for (const ThresholdResult& r : input.thresholds) {
      absl::StrAppend(&html, "<tr class=\"", r.passed ? "pass" : "fail", "\"><td>",
                      HtmlEscape(ThresholdName(r.threshold)), "</td><td>",
                      r.value ? absl::StrFormat("%.6g", *r.value) : "no requests", "</td><td>",
                      r.passed ? "PASS" : "FAIL", "</td></tr>\n");
    }
    html += "</table>\n";
  }
  absl::StrAppend(&html, "<h2>Phases</h2>\n", Table(input.rows), "<h2>Requests</h2>\n",
                  RequestsTable(input.requests, input.counted), "<h2>Failures</h2>\n",
                  FailuresTable(input.requests), ArrivalsTable(input.requests));
  if (!input.over_time) return html + "</body>\n</html>\n";
  html += "<h2>Over time</h2>\n";
  if (points.empty()) html += "<p>The run was too short for a timeline (under a second).</p>\n";
  if (!input.control_actions.empty()) {
    html +=
        "<p>Dotted pink lines mark control actions (at the second the status showed them); "
        "dashed blue ones, phase starts.</p>\n";
  }
  html += Chart("users", "Users running",
                {{"users", "#1f77b4",
                  [](const TimelinePoint& p) -> std::optional<double> { return p.users; }}},
                points, input);
  html +=
      Chart("requests", "Requests per second",
            {{"req/s", "#2ca02c",
              [](const TimelinePoint& p) -> std::optional<double> { return p.requests_per_s; }}},
            points, input);
  std::vector<Series> latency = {
      {"p50", "#ff7f0e", [](const TimelinePoint& p) { return p.p50_ms; }},
      {"p95", "#d62728", [](const TimelinePoint& p) { return p.p95_ms; }},
      {"p99", "#8c564b", [](const TimelinePoint& p) { return p.p99_ms; }}};
  if (std::any_of(points.begin(), points.end(),
                  [](const TimelinePoint& p) { return p.corrected_p99_ms.has_value(); })) {
    // Open phases ran: their latency from each arrival's intended time beside.
    latency.push_back(
        {"corrected p99", "#e377c2", [](const TimelinePoint& p) { return p.corrected_p99_ms; }});
  }
  html += Chart("latency", "Response time (ms)", latency, points, input);
  html +=
      Chart("failures", "Failures per second",
            {{"failures/s", "#9467bd",
              [](const TimelinePoint& p) -> std::optional<double> { return p.failures_per_s; }}},
            points, input);
  return html + "</body>\n</html>\n";
}

}  // namespace loadgen
