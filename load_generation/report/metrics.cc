#include "load_generation/report/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "load_generation/report/thresholds.h"

namespace loadgen {
namespace {

using Labels = std::vector<std::pair<absl::string_view, std::string>>;

std::string Escape(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Counts as integers; other values as exactly as a double holds them.
std::string Number(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) return absl::StrFormat("%.0f", value);
  return absl::StrFormat("%.17g", value);
}

// Writes families in the text format: HELP and TYPE once, then the samples.
class Exposition {
 public:
  void Family(absl::string_view name, absl::string_view type, absl::string_view help) {
    absl::StrAppend(&out_, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
  }
  void Sample(absl::string_view name, const Labels& labels, double value) {
    absl::StrAppend(&out_, name);
    if (!labels.empty()) {
      out_ += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        absl::StrAppend(&out_, i ? "," : "", labels[i].first, "=\"", Escape(labels[i].second),
                        "\"");
      }
      out_ += '}';
    }
    absl::StrAppend(&out_, " ", Number(value), "\n");
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Values counted at or below each of kLatencyBucketsSeconds. A histogram bucket that straddles
// a bound counts below it when it begins at or below the bound: the error is that of the
// histogram (0.1% of the value), and the round bounds begin buckets, so a value equal to one
// is counted below it.
std::vector<int64_t> CountsAtOrBelow(const LatencyHistogram& latency) {
  constexpr size_t n = std::size(kLatencyBucketsSeconds);
  std::vector<int64_t> counts(n);
  size_t k = 0;
  int64_t below = 0;
  latency.ForEachBucket([&](int64_t low_us, int64_t /*high_us*/, int64_t cumulative) {
    for (; k < n; ++k) {
      if (static_cast<double>(low_us) <= kLatencyBucketsSeconds[k] * 1e6) break;
      counts[k] = below;
    }
    below = cumulative;
  });
  while (k < n) counts[k++] = below;
  return counts;
}

Labels EntryLabels(const StatsKey& key, int phase) {
  return {{"method", key.method}, {"name", key.name}, {"phase", absl::StrCat(phase)}};
}

// A counter family with a sample of `field` per phase index and (method, name).
void EntryCounter(const StatsTotals& totals, absl::string_view name, absl::string_view help,
                  int64_t RequestStats::*field, Exposition& out) {
  out.Family(name, "counter", help);
  for (const auto& [phase, table] : totals.by_phase) {
    for (const auto& [key, stats] : table.Entries()) {
      out.Sample(name, EntryLabels(key, phase), static_cast<double>((*stats).*field));
    }
  }
}

// A histogram family with the histogram `field` of each phase index and (method, name) that
// has values.
void HistogramFamily(const StatsTotals& totals, absl::string_view name, absl::string_view help,
                     LatencyHistogram RequestStats::*field, Exposition& out) {
  out.Family(name, "histogram", help);
  const std::string bucket = absl::StrCat(name, "_bucket");
  for (const auto& [phase, table] : totals.by_phase) {
    for (const auto& [key, stats] : table.Entries()) {
      const LatencyHistogram& latency = (*stats).*field;
      if (latency.Count() == 0) continue;  // a closed phase has no corrected latencies
      Labels labels = EntryLabels(key, phase);
      const std::vector<int64_t> counts = CountsAtOrBelow(latency);
      for (size_t i = 0; i < counts.size(); ++i) {
        labels.emplace_back("le", absl::StrCat(kLatencyBucketsSeconds[i]));
        out.Sample(bucket, labels, static_cast<double>(counts[i]));
        labels.pop_back();
      }
      labels.emplace_back("le", "+Inf");
      out.Sample(bucket, labels, static_cast<double>(latency.Count()));
      labels.pop_back();
      out.Sample(absl::StrCat(name, "_sum"), labels, static_cast<double>(latency.Sum()) / 1e6);
      out.Sample(absl::StrCat(name, "_count"), labels, static_cast<double>(latency.Count()));
    }
  }
}

// A counter family with a sample of `field` per phase index and user type of open phases.
void ArrivalCounter(const StatsTotals& totals, absl::string_view name, absl::string_view help,
                    int64_t ArrivalCounts::*field, Exposition& out) {
  out.Family(name, "counter", help);
  for (const auto& [phase, table] : totals.by_phase) {
    for (const auto& [type, counts] : table.Arrivals()) {
      out.Sample(name, {{"user_type", type}, {"phase", absl::StrCat(phase)}},
                 static_cast<double>(counts.*field));
    }
  }
}

void RequestFamilies(const StatsTotals& totals, Exposition& out) {
  EntryCounter(totals, "loadgen_requests_total",
               "Requests completed, failed ones included, by method, name and phase index.",
               &RequestStats::requests, out);
  EntryCounter(totals, "loadgen_request_failures_total",
               "Requests that failed (status >= 400, transport error, timeout or a behaviour's "
               "check), by method, name and phase index.",
               &RequestStats::failures, out);
  out.Family("loadgen_request_errors_total", "counter",
             "Failures by kind of error, method, name and phase index.");
  for (const auto& [phase, table] : totals.by_phase) {
    for (const auto& [key, failure] : table.Failures()) {
      Labels labels = EntryLabels(key, phase);
      labels.emplace_back("error", key.error);
      out.Sample("loadgen_request_errors_total", labels, static_cast<double>(failure->occurrences));
    }
  }
  HistogramFamily(totals, "loadgen_request_duration_seconds",
                  "Response time of completed requests, by method, name and phase index.",
                  &RequestStats::latency_us, out);
  HistogramFamily(totals, "loadgen_request_corrected_duration_seconds",
                  "Latency of the requests of open phases from their arrivals' intended times "
                  "(corrected for coordinated omission), by method, name and phase index.",
                  &RequestStats::corrected_latency_us, out);
  ArrivalCounter(totals, "loadgen_arrivals_total",
                 "Arrivals of open phases, by user type and phase index.", &ArrivalCounts::arrivals,
                 out);
  ArrivalCounter(totals, "loadgen_late_starts_total",
                 "Arrivals that found no idle user, waited for one and began after their time, by "
                 "user type and phase index.",
                 &ArrivalCounts::late_starts, out);
  ArrivalCounter(totals, "loadgen_dropped_arrivals_total",
                 "Arrivals dropped after waiting past max_start_delay_ms (or their phase's end), "
                 "by user type and phase index.",
                 &ArrivalCounts::dropped, out);
}

void RunFamilies(const DaemonStatus& status, Exposition& out) {
  out.Family("loadgen_users", "gauge", "Users running, by user type.");
  for (const UserTypeCounts& c : status.run.users) {
    out.Sample("loadgen_users", {{"user_type", c.name}}, c.active);
  }
  out.Family("loadgen_target_users", "gauge", "Users the phase under way asks for, by user type.");
  for (const UserTypeCounts& c : status.run.users) {
    out.Sample("loadgen_target_users", {{"user_type", c.name}}, c.target);
  }
  out.Family("loadgen_arrival_rate", "gauge",
             "Arrivals per second the open phase under way asks of this daemon now; 0 in a "
             "closed phase.");
  out.Sample("loadgen_arrival_rate", {}, status.run.arrival_rate_per_s);
  out.Family("loadgen_schedule_lag_seconds", "gauge",
             "How late tasks began against their schedule (after a pause, or at an arrival), "
             "p99 over the last 10 s: the generator's own lag.");
  out.Sample("loadgen_schedule_lag_seconds", {}, status.recent.schedule_lag_p99_ms() / 1000);
  out.Family("loadgen_generator_saturated", "gauge",
             "1 when the schedule lag's p99 is over 10 ms: the figures show the generator's "
             "limit, not the target's.");
  out.Sample("loadgen_generator_saturated", {}, status.recent.generator_saturated() ? 1 : 0);
  out.Family("loadgen_phase", "gauge", "Index of the phase under way; -1 between phases.");
  out.Sample("loadgen_phase", {}, status.run.occurrence ? status.run.occurrence->phase : -1);
  out.Family("loadgen_loop", "gauge", "Loop of the phase under way (0 for the first pass).");
  out.Sample("loadgen_loop", {}, status.run.occurrence ? status.run.occurrence->loop : 0);
  out.Family("loadgen_run_state", "gauge", "1 for the state the daemon is in, else 0.");
  for (RunState state : {RunState::kIdle, RunState::kScheduled, RunState::kRunning,
                         RunState::kPaused, RunState::kStopping}) {
    out.Sample("loadgen_run_state", {{"state", RunStateName(state)}},
               state == status.position.state ? 1 : 0);
  }
  out.Family("loadgen_runs_started_total", "counter", "Runs started since the daemon began.");
  out.Sample("loadgen_runs_started_total", {}, static_cast<double>(status.position.run_number));
  if (status.thresholds.empty()) return;
  out.Family("loadgen_threshold_passed", "gauge",
             "1 when the config's threshold is met by the run's figures so far, else 0.");
  for (const ThresholdResult& r : status.thresholds) {
    out.Sample("loadgen_threshold_passed", {{"threshold", ThresholdName(r.threshold)}},
               r.passed ? 1 : 0);
  }
  out.Family("loadgen_threshold_value", "gauge",
             "The measured value of the threshold's metric, in its unit (ms, ratio, req/s); "
             "absent when there was nothing to measure.");
  for (const ThresholdResult& r : status.thresholds) {
    if (r.value) {
      out.Sample("loadgen_threshold_value", {{"threshold", ThresholdName(r.threshold)}}, *r.value);
    }
  }
}

void ProcessFamilies(const ProcessFigures& p, Exposition& out) {
  out.Family("process_cpu_seconds_total", "counter", "User and system CPU time spent, seconds.");
  out.Sample("process_cpu_seconds_total", {}, p.cpu_seconds);
  out.Family("process_resident_memory_bytes", "gauge", "Resident memory size, bytes.");
  out.Sample("process_resident_memory_bytes", {}, static_cast<double>(p.resident_bytes));
  out.Family("process_virtual_memory_bytes", "gauge", "Virtual memory size, bytes.");
  out.Sample("process_virtual_memory_bytes", {}, static_cast<double>(p.virtual_bytes));
  out.Family("process_open_fds", "gauge", "Open file descriptors.");
  out.Sample("process_open_fds", {}, static_cast<double>(p.open_fds));
  out.Family("process_max_fds", "gauge", "Most file descriptors the process may open.");
  out.Sample("process_max_fds", {}, static_cast<double>(p.max_fds));
  out.Family("process_start_time_seconds", "gauge", "Start time of the process, unix seconds.");
  out.Sample("process_start_time_seconds", {}, p.start_time_seconds);
}

std::string ReadProc(const char* path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

ProcessFigures ReadProcessFigures() {
  ProcessFigures figures;
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    figures.cpu_seconds = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                          usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  }
  const int64_t page = sysconf(_SC_PAGESIZE);
  std::istringstream statm(ReadProc("/proc/self/statm"));
  int64_t pages = 0, resident = 0;
  if (statm >> pages >> resident) {
    figures.virtual_bytes = pages * page;
    figures.resident_bytes = resident * page;
  }
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++figures.open_fds;
    }
    closedir(dir);
    --figures.open_fds;  // the one opendir holds
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) figures.max_fds = static_cast<int64_t>(limit.rlim_cur);
  // Field 22 of /proc/self/stat is the start in clock ticks since boot; the command name (field
  // 2) may hold spaces, so count from its closing parenthesis.
  const std::string stat = ReadProc("/proc/self/stat");
  const size_t paren = stat.rfind(')');
  int64_t boot_time = 0;
  for (absl::string_view line : absl::StrSplit(ReadProc("/proc/stat"), '\n')) {
    if (absl::ConsumePrefix(&line, "btime ")) (void)absl::SimpleAtoi(line, &boot_time);
  }
  if (paren != std::string::npos && boot_time > 0) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(absl::string_view(stat).substr(paren + 2), ' ');
    int64_t start_ticks = 0;
    if (fields.size() > 19 && absl::SimpleAtoi(fields[19], &start_ticks)) {
      figures.start_time_seconds =
          static_cast<double>(boot_time) + static_cast<double>(start_ticks) / sysconf(_SC_CLK_TCK);
    }
  }
  return figures;
}

std::string PrometheusText(const DaemonStatus& status, const StatsTotals& totals,
                           const ProcessFigures& process) {
  Exposition out;
  RequestFamilies(totals, out);
  RunFamilies(status, out);
  ProcessFamilies(process, out);
  return out.Take();
}

}  // namespace loadgen
