#ifndef LOAD_GENERATION_REPORT_LOCUST_CSV_H_
#define LOAD_GENERATION_REPORT_LOCUST_CSV_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "load_generation/stats/stats.h"

namespace loadgen {

// The files Locust writes for `--csv PREFIX`, so that scripts and dashboards built on them read
// ours: the same header lines, columns, row order ((name, method) order, then the "Aggregated"
// row with an empty Type), "N/A" percentiles where there are no requests, and CRLF line ends as
// Python's csv module writes. Times are milliseconds: the median and percentile columns are
// whole milliseconds as in Locust (rounded to the nearest, not to Locust's two significant
// digits), averages, minima and maxima keep microseconds.
inline constexpr absl::string_view kLocustStatsHeader =
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,"
    "80%,90%,95%,98%,99%,99.9%,99.99%,100%";
inline constexpr absl::string_view kLocustHistoryHeader =
    "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
    "99.99%,100%,Total Request Count,Total Failure Count,Total Median Response Time,"
    "Total Average Response Time,Total Min Response Time,Total Max Response Time,"
    "Total Average Content Size";
inline constexpr absl::string_view kLocustFailuresHeader =
    "Method,Name,Error,Occurrences,First Seen,Last Seen";
inline constexpr absl::string_view kLocustExceptionsHeader = "Count,Message,Traceback,Nodes";

// PREFIX_stats.csv: a row per (method, name) of `table` and the Aggregated row; rates are over
// `counted`, the time the table covers.
std::string LocustStatsCsv(const StatsTable& table, absl::Duration counted);

// PREFIX_failures.csv: a row per (method, name, error); First Seen and Last Seen in ISO-8601
// UTC to the second (2024-05-01T12:00:03Z), as Locust writes them since 2.44.
std::string LocustFailuresCsv(const StatsTable& table);

// PREFIX_exceptions.csv: Locust's rows are the Python exceptions its users raised. loadgen's
// users raise none (a failed request is a failure, with its kind), so the file is the header.
std::string LocustExceptionsCsv();

// The header line of PREFIX_stats_history.csv, then one row a second from LocustHistoryRow.
std::string LocustHistoryHeader();
// The Aggregated row at `now` (unix seconds, truncated as Locust does): `users` running, the
// rates of the last 10 s (`recent`), the percentiles and totals of `total`, since the start.
std::string LocustHistoryRow(absl::Time now, int users, const RecentStats::Figures& recent,
                             const RequestStats& total);

// One CSV line (CRLF-terminated), each field quoted as Python's csv module does when needed.
std::string CsvLine(const std::vector<std::string>& fields);

// `t` as Locust 2.44 writes First Seen and Last Seen: ISO-8601 UTC to the second,
// "2026-11-22T10:28:24Z".
std::string IsoUtc(absl::Time t);

}  // namespace loadgen

#endif  // LOAD_GENERATION_REPORT_LOCUST_CSV_H_
