#include "load_generation/wrk/report.h"

#include <cmath>
#include <cstdint>
#include <initializer_list>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace loadgen {
namespace {

struct Units {
  double scale;
  absl::string_view base;
  std::initializer_list<absl::string_view> larger;
};

// As wrk: divide while the amount is at least 85 % of the next unit (and a next but one exists).
std::string FormatUnits(double n, const Units& units, int precision) {
  absl::string_view unit = units.base;
  const double threshold = units.scale * 0.85;
  const absl::string_view* larger = units.larger.begin();
  for (size_t i = 0; i + 1 < units.larger.size() && n >= threshold; ++i) {
    n /= units.scale;
    unit = larger[i];
  }
  return absl::StrFormat("%.*f%s", precision, n, unit);
}

constexpr std::initializer_list<absl::string_view> kTimeUs = {"ms", "s"};
constexpr std::initializer_list<absl::string_view> kTimeS = {"m", "h"};
constexpr std::initializer_list<absl::string_view> kBinary = {"K", "M", "G", "T", "P"};
constexpr std::initializer_list<absl::string_view> kMetric = {"k", "M", "G", "T", "P"};

// A figure right-aligned in `width` columns, its unit letters counted as padding, as wrk prints
// its tables.
std::string Padded(const std::string& text, int width) {
  int pad = 2;
  if (!text.empty() && absl::ascii_isalpha(text.back())) --pad;
  if (text.size() > 1 && absl::ascii_isalpha(text[text.size() - 2])) --pad;
  width -= pad;
  return absl::StrFormat("%*.*s%.*s", width, width, text, pad, "  ");
}

std::string StatsRow(absl::string_view name, const std::string& mean, const std::string& stdev,
                     const std::string& max, double within) {
  return absl::StrFormat("    %-10s%s%s%s%8.2f%%\n", name, Padded(mean, 8), Padded(stdev, 10),
                         Padded(max, 9), within);
}

std::string Distribution(const LatencyHistogram& histogram, absl::string_view description) {
  std::string out = absl::StrCat("  Latency Distribution (HdrHistogram - ", description, ")\n");
  for (double p : {50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999, 100.0}) {
    absl::StrAppendFormat(
        &out, "%7.3f%%%s\n", p,
        Padded(FormatWrkTimeUs(static_cast<double>(WrkValueAtPercentile(histogram, p))), 10));
  }
  absl::StrAppend(&out, "\n  Detailed Percentile spectrum:\n", WrkPercentileSpectrum(histogram),
                  "----------------------------------------------------------\n");
  return out;
}

}  // namespace

std::string FormatWrkTimeUs(double microseconds) {
  if (microseconds >= 1e6) return FormatUnits(microseconds / 1e6, {60, "s", kTimeS}, 2);
  return FormatUnits(microseconds, {1000, "us", kTimeUs}, 2);
}

std::string FormatWrkMetric(double n) { return FormatUnits(n, {1000, "", kMetric}, 2); }

std::string FormatWrkBinary(double bytes) { return FormatUnits(bytes, {1024, "", kBinary}, 2); }

std::string FormatWrkTimeS(double seconds) { return FormatUnits(seconds, {60, "s", kTimeS}, 0); }

std::string WrkRunningHeader(const WrkOptions& options) {
  return absl::StrFormat("Running %s test @ %s\n  %d threads and %d connections\n",
                         FormatWrkTimeS(static_cast<double>(options.duration_s)), options.url,
                         options.threads, options.connections);
}

std::string WrkPercentileSpectrum(const LatencyHistogram& histogram) {
  std::string out = absl::StrFormat("%12s %12s %12s %12s\n\n", "Value", "Percentile", "TotalCount",
                                    "1/(1-Percentile)");
  const int64_t total = histogram.Count();
  const double max_ms = UsToMs(histogram.Max());
  auto row = [&](double value_ms, double percent, int64_t count) {
    const double fraction = percent / 100;
    absl::StrAppendFormat(&out, "%12.3f %12f %12d %12.2f\n", std::min(value_ms, max_ms), fraction,
                          count, 1 / (1 - fraction));
  };
  // HdrHistogram's percentile iterator: at each non-empty bucket, a row for every tick the
  // bucket's cumulative percentile reaches, the next tick 1 / (5 * 2^(halvings + 1)) of the way
  // on; the last bucket gives one tick row, then the 100 % row.
  constexpr int kTicksPerHalfDistance = 5;
  double tick = 0;
  double last_ms = 0;
  histogram.ForEachBucket([&](int64_t, int64_t high, int64_t cumulative) {
    const double current = 100.0 * static_cast<double>(cumulative) / static_cast<double>(total);
    const bool last = cumulative == total;
    last_ms = UsToMs(high);
    while (tick <= current) {
      row(last_ms, tick, cumulative);
      const auto halvings = static_cast<int64_t>(std::log(100 / (100.0 - tick)) / std::log(2));
      tick += 100.0 / (kTicksPerHalfDistance * std::pow(2.0, static_cast<double>(halvings + 1)));
      if (last) break;
    }
  });
  row(last_ms, 100, total);
  absl::StrAppendFormat(&out,
                        "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n"
                        "#[Max     = %12.3f, Total count    = %12d]\n"
                        "#[Buckets = %12d, SubBuckets     = %12d]\n",
                        histogram.Mean() / 1000, WrkStdDev(histogram) / 1000, max_ms, total,
                        LatencyHistogram::kOctaves, LatencyHistogram::kSubBuckets);
  return out;
}

std::string WrkReport(const WrkResult& result, bool latency, bool u_latency) {
  std::string out =
      absl::StrFormat("  Thread Stats%6s%11s%8s%12s\n", "Avg", "Stdev", "Max", "+/- Stdev");
  const LatencyHistogram& h = result.latency;
  out += StatsRow("Latency", FormatWrkTimeUs(h.Mean()), FormatWrkTimeUs(WrkStdDev(h)),
                  FormatWrkTimeUs(static_cast<double>(h.Max())), WrkWithinStdDev(h));
  const SampleFigures rps = FiguresOf(result.requests_per_s);
  out += StatsRow("Req/Sec", FormatWrkMetric(rps.mean), FormatWrkMetric(rps.stdev),
                  FormatWrkMetric(rps.max), rps.within_stdev);
  if (latency) out += Distribution(result.latency, "Recorded Latency");
  if (u_latency) {
    out += "\n" + Distribution(result.uncorrected_latency,
                               "Uncorrected Latency (measured without taking delayed starts "
                               "into account)");
  }
  const double seconds = std::max(absl::ToDoubleSeconds(result.runtime), 1e-6);
  absl::StrAppendFormat(&out, "  %d requests in %s, %sB read\n", result.requests,
                        FormatWrkTimeUs(absl::ToDoubleMicroseconds(result.runtime)),
                        FormatWrkBinary(static_cast<double>(result.bytes)));
  const WrkErrors& e = result.errors;
  if (e.any_socket_error()) {
    absl::StrAppendFormat(&out, "  Socket errors: connect %d, read %d, write %d, timeout %d\n",
                          e.connect, e.read, e.write, e.timeout);
  }
  if (e.status) absl::StrAppendFormat(&out, "  Non-2xx or 3xx responses: %d\n", e.status);
  absl::StrAppendFormat(&out, "Requests/sec: %9.2f\n", result.requests / seconds);
  absl::StrAppendFormat(&out, "Transfer/sec: %10sB\n",
                        FormatWrkBinary(static_cast<double>(result.bytes) / seconds));
  return out;
}

}  // namespace loadgen
