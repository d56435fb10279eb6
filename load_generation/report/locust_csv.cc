#include "load_generation/report/locust_csv.h"

#include <array>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace loadgen {
namespace {

constexpr std::array<double, 11> kPercentiles = {0.5,  0.66, 0.75,  0.8,    0.9, 0.95,
                                                 0.98, 0.99, 0.999, 0.9999, 1.0};

// Whole milliseconds, rounded to the nearest.
std::string WholeMs(int64_t us) { return absl::StrCat((us + 500) / 1000); }

// A decimal as Python prints a float that holds it: trailing zeros dropped, one kept after the
// point ("12.5", "3.0").
std::string Decimal(double value, int digits) {
  std::string text = absl::StrFormat("%.*f", digits, value);
  while (text.back() == '0' && text[text.size() - 2] != '.') text.pop_back();
  return text;
}
std::string Ms(double us) { return Decimal(us / 1000.0, 3); }

void AppendPercentiles(const RequestStats& stats, std::vector<std::string>& fields) {
  for (double q : kPercentiles) {
    fields.push_back(stats.requests ? WholeMs(stats.latency_us.ValueAtQuantile(q)) : "N/A");
  }
}

// Median, average, min and max response times and the average content size.
void AppendTimes(const RequestStats& stats, std::vector<std::string>& fields) {
  const LatencyHistogram& latency = stats.latency_us;
  fields.push_back(stats.requests ? WholeMs(latency.ValueAtQuantile(0.5)) : "0");
  fields.push_back(Ms(latency.Mean()));
  fields.push_back(stats.requests ? Ms(static_cast<double>(latency.Min())) : "0");
  fields.push_back(stats.requests ? Ms(static_cast<double>(latency.Max())) : "0");
  fields.push_back(Decimal(stats.AverageContentBytes(), 3));
}

}  // namespace

std::string IsoUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    const std::string& field = fields[i];
    if (field.find_first_of(",\"\r\n") == std::string::npos) {
      line += field;
    } else {
      absl::StrAppend(&line, "\"", absl::StrReplaceAll(field, {{"\"", "\"\""}}), "\"");
    }
  }
  return line + "\r\n";
}

std::string LocustStatsCsv(const StatsTable& table, absl::Duration counted) {
  const double seconds = absl::ToDoubleSeconds(counted);
  auto row = [seconds](const std::string& method, const std::string& name,
                       const RequestStats& stats) {
    std::vector<std::string> fields = {method, name, absl::StrCat(stats.requests),
                                       absl::StrCat(stats.failures)};
    AppendTimes(stats, fields);
    fields.push_back(Decimal(seconds > 0 ? stats.requests / seconds : 0, 6));
    fields.push_back(Decimal(seconds > 0 ? stats.failures / seconds : 0, 6));
    AppendPercentiles(stats, fields);
    return CsvLine(fields);
  };
  std::string out = absl::StrCat(kLocustStatsHeader, "\r\n");
  for (const auto& [key, stats] : table.Entries()) out += row(key.method, key.name, *stats);
  return out + row("", "Aggregated", table.Total());
}

std::string LocustFailuresCsv(const StatsTable& table) {
  std::string out = absl::StrCat(kLocustFailuresHeader, "\r\n");
  for (const auto& [key, failure] : table.Failures()) {
    out += CsvLine({key.method, key.name, key.error, absl::StrCat(failure->occurrences),
                    IsoUtc(failure->first_seen), IsoUtc(failure->last_seen)});
  }
  return out;
}

std::string LocustExceptionsCsv() { return absl::StrCat(kLocustExceptionsHeader, "\r\n"); }

std::string LocustHistoryHeader() { return absl::StrCat(kLocustHistoryHeader, "\r\n"); }

std::string LocustHistoryRow(absl::Time now, int users, const RecentStats::Figures& recent,
                             const RequestStats& total) {
  std::vector<std::string> fields = {absl::StrCat(absl::ToUnixSeconds(now)),
                                     absl::StrCat(users),
                                     "",
                                     "Aggregated",
                                     absl::StrFormat("%f", recent.requests_per_s),
                                     absl::StrFormat("%f", recent.failures_per_s)};
  AppendPercentiles(total, fields);
  fields.push_back(absl::StrCat(total.requests));
  fields.push_back(absl::StrCat(total.failures));
  AppendTimes(total, fields);
  return CsvLine(fields);
}

}  // namespace loadgen
