#include "load_generation/report/thresholds.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "load_generation/report/locust_csv.h"
#include "load_generation/report/markup.h"

namespace loadgen {
namespace {

std::string Unit(const std::string& metric) {
  if (metric == "rps") return " req/s";
  if (metric == "failure_ratio") return "";
  return " ms";
}

std::string Number(double value) { return absl::StrFormat("%.6g", value); }

std::string ValueText(const ThresholdResult& r) {
  return r.value ? Number(*r.value) + Unit(r.threshold.metric()) : "no requests";
}

}  // namespace

std::string ThresholdName(const ThresholdConfig& t) {
  return absl::StrCat(t.metric(), t.request().empty() ? "" : " of " + t.request(),
                      t.phase().empty() ? "" : " in phase " + t.phase(),
                      t.has_below() ? " < " : " > ", Number(t.has_below() ? t.below() : t.above()),
                      Unit(t.metric()));
}

std::string ThresholdVerdict(const ThresholdResult& result) {
  return absl::StrCat(ThresholdName(result.threshold), " (", ValueText(result), ")");
}

std::string FormatThresholdTable(const std::vector<ThresholdResult>& results) {
  size_t width = 9;
  for (const ThresholdResult& r : results)
    width = std::max(width, ThresholdName(r.threshold).size());
  std::string out = absl::StrFormat("%-*s  %-14s  %s\n", width, "threshold", "value", "result");
  int failed = 0;
  for (const ThresholdResult& r : results) {
    failed += !r.passed;
    absl::StrAppendFormat(&out, "%-*s  %-14s  %s\n", width, ThresholdName(r.threshold),
                          ValueText(r), r.passed ? "PASS" : "FAIL");
  }
  absl::StrAppend(&out,
                  failed == 0 ? "all thresholds passed"
                              : absl::StrCat(failed, " of ", results.size(), " thresholds failed"),
                  "\n");
  return out;
}

std::string ThresholdsCsv(const std::vector<ThresholdResult>& results) {
  std::string out = CsvLine({"metric", "request", "phase", "bound", "limit", "value", "result"});
  for (const ThresholdResult& r : results) {
    const ThresholdConfig& t = r.threshold;
    out += CsvLine({t.metric(), t.request(), t.phase(), t.has_below() ? "below" : "above",
                    Number(t.has_below() ? t.below() : t.above()), r.value ? Number(*r.value) : "",
                    r.passed ? "pass" : "fail"});
  }
  return out;
}

std::string ThresholdsJUnit(const std::vector<ThresholdResult>& results, absl::Duration run_time) {
  int failures = 0;
  for (const ThresholdResult& r : results) failures += !r.passed;
  std::string out = absl::StrFormat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"loadgen\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%.3f\">\n"
      "  <testsuite name=\"loadgen thresholds\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
      "skipped=\"0\" time=\"%.3f\">\n",
      results.size(), failures, absl::ToDoubleSeconds(run_time), results.size(), failures,
      absl::ToDoubleSeconds(run_time));
  for (const ThresholdResult& r : results) {
    const std::string name = HtmlEscape(ThresholdName(r.threshold));
    absl::StrAppend(&out, "    <testcase classname=\"loadgen.thresholds\" name=\"", name,
                    "\" time=\"0\"");
    if (r.passed) {
      absl::StrAppend(&out, "/>\n");
      continue;
    }
    const std::string message = HtmlEscape(absl::StrCat("value ", ValueText(r)));
    absl::StrAppend(&out, ">\n      <failure message=\"", message, "\" type=\"threshold\">", name,
                    ": ", message, "</failure>\n    </testcase>\n");
  }
  return out + "  </testsuite>\n</testsuites>\n";
}

}  // namespace loadgen
