#include "load_generation/report/results.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "load_generation/report/locust_csv.h"
#include "load_generation/report/thresholds.h"

namespace loadgen {
namespace {

std::string Directory(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

absl::Status CheckWritable(const std::string& flag, const std::string& path) {
  const std::string dir = Directory(path);
  struct stat info {};
  if (stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": directory ", dir, " does not exist"));
  }
  if (access(dir.c_str(), W_OK) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": directory ", dir, " is not writable"));
  }
  return absl::OkStatus();
}

// "report.html" of run 3 is "report_run3.html".
std::string ForRun(const std::string& path, int64_t run_number, bool has_extension) {
  if (path.empty() || run_number <= 1) return path;
  const std::string suffix = absl::StrCat("_run", run_number);
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  if (!has_extension || dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    return path + suffix;
  }
  return path.substr(0, dot) + suffix + path.substr(dot);
}

int ActiveUsers(const RunStatus& run) {
  int users = 0;
  for (const UserTypeCounts& c : run.users) users += c.active;
  return users;
}

}  // namespace

absl::Status CheckResultsOptions(const ResultsOptions& options) {
  if (!options.csv_prefix.empty()) {
    if (absl::Status s = CheckWritable("--csv", options.csv_prefix); !s.ok()) return s;
  }
  if (!options.html_path.empty()) {
    if (absl::Status s = CheckWritable("--html", options.html_path); !s.ok()) return s;
  }
  if (!options.junit_path.empty()) {
    if (absl::Status s = CheckWritable("--junit", options.junit_path); !s.ok()) return s;
  }
  return absl::OkStatus();
}

RunResults::RunResults(const ResultsOptions& options, int64_t run_number)
    : csv_prefix_(ForRun(options.csv_prefix, run_number, /*has_extension=*/false)),
      html_path_(ForRun(options.html_path, run_number, /*has_extension=*/true)),
      junit_path_(ForRun(options.junit_path, run_number, /*has_extension=*/true)),
      run_number_(run_number) {
  if (csv_prefix_.empty()) return;
  const std::string path = csv_prefix_ + "_stats_history.csv";
  history_ = std::fopen(path.c_str(), "w");
  if (history_ == nullptr) {
    Report(path, std::strerror(errno));
    return;
  }
  const std::string header = LocustHistoryHeader();
  std::fwrite(header.data(), 1, header.size(), history_);
  std::fflush(history_);
}

RunResults::~RunResults() {
  FlushHistoryRow();
  if (history_ != nullptr) std::fclose(history_);
}

void RunResults::Report(const std::string& path, const std::string& error) {
  failed_[path] = error;
  if (!reported_.insert(path).second) return;
  std::fprintf(stderr, "loadgen: cannot write %s: %s (the run goes on)\n", path.c_str(),
               error.c_str());
}

void RunResults::Write(const std::string& path, const std::string& content) {
  const std::string aside = path + ".tmp";
  std::FILE* file = std::fopen(aside.c_str(), "w");
  if (file == nullptr) return Report(path, std::strerror(errno));
  const bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size();
  const int saved_errno = errno;
  if (std::fclose(file) != 0 || !written) {
    std::remove(aside.c_str());
    return Report(path, std::strerror(written ? errno : saved_errno));
  }
  if (std::rename(aside.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(aside.c_str());
    return Report(path, std::strerror(error));
  }
  failed_.erase(path);  // written as it is now
}

void RunResults::Begin(absl::Time now) {
  AddHistoryRow(now, 0, RecentStats::Figures(), RequestStats());
}

void RunResults::AddHistoryRow(absl::Time now, int users, const RecentStats::Figures& recent,
                               const RequestStats& total) {
  if (history_ == nullptr) return;
  const int64_t second = absl::ToUnixSeconds(now);
  if (!pending_row_.empty() && second != pending_second_) FlushHistoryRow();
  pending_row_ = LocustHistoryRow(now, users, recent, total);
  pending_second_ = second;
}

void RunResults::FlushHistoryRow() {
  if (history_ == nullptr || pending_row_.empty()) return;
  // One write of the whole row, then a flush: a reader sees whole rows only.
  if (std::fwrite(pending_row_.data(), 1, pending_row_.size(), history_) != pending_row_.size() ||
      std::fflush(history_) != 0) {
    Report(csv_prefix_ + "_stats_history.csv", std::strerror(errno));
  }
  pending_row_.clear();
}

void RunResults::WriteStats(const StatsTotals& totals) {
  if (csv_prefix_.empty()) return;
  Write(csv_prefix_ + "_stats.csv", LocustStatsCsv(totals.total, totals.counted));
  Write(csv_prefix_ + "_failures.csv", LocustFailuresCsv(totals.total));
  Write(csv_prefix_ + "_exceptions.csv", LocustExceptionsCsv());
}

void RunResults::Sample(absl::Time now, const DaemonStatus& status, const StatsTotals& totals) {
  AddHistoryRow(now, ActiveUsers(status.run), status.recent, totals.total.Total());
  WriteStats(totals);
  AddTimelinePoint(now, status, totals);
}

void RunResults::AddTimelinePoint(absl::Time now, const DaemonStatus& status,
                                  const StatsTotals& totals) {
  const absl::Time start = status.run.start;
  if (html_path_.empty() || now <= start) return;
  const std::optional<PhaseOccurrence>& o = status.run.occurrence;
  if (o && status.run.running) {
    phases_.try_emplace(
        o->number,
        ChartMarker{o->start - start, absl::StrFormat("%d %s", o->phase, status.run.phase_name)});
  }
  const RequestStats total = totals.total.Total();
  NoteControlActions(now - start, status, total);
  if (!previous_ || total.requests < previous_->second.requests) {
    previous_.emplace(start, RequestStats());  // the start, or the last ResetStats
  }
  const auto& [then, before] = *previous_;
  if (now <= then) return;
  const double seconds = absl::ToDoubleSeconds(now - then);
  TimelinePoint point{.at = now - start, .users = ActiveUsers(status.run)};
  point.requests_per_s = (total.requests - before.requests) / seconds;
  point.failures_per_s = (total.failures - before.failures) / seconds;
  LatencyHistogram latency = total.latency_us;
  latency.Subtract(before.latency_us);
  if (latency.Count() > 0) {
    point.p50_ms = UsToMs(latency.ValueAtQuantile(0.5));
    point.p95_ms = UsToMs(latency.ValueAtQuantile(0.95));
    point.p99_ms = UsToMs(latency.ValueAtQuantile(0.99));
  }
  LatencyHistogram corrected = total.corrected_latency_us;
  corrected.Subtract(before.corrected_latency_us);
  if (corrected.Count() > 0) point.corrected_p99_ms = UsToMs(corrected.ValueAtQuantile(0.99));
  timeline_.push_back(point);
  previous_.emplace(now, total);
}

void RunResults::NoteControlActions(absl::Duration at, const DaemonStatus& status,
                                    const RequestStats& total) {
  const RunStatus& run = status.run;
  const std::optional<int64_t> occurrence =
      run.occurrence ? std::optional<int64_t>(run.occurrence->number) : std::nullopt;
  if (seen_) {
    if (run.paused != seen_->paused) {
      control_actions_.push_back({at, run.paused ? "pause" : "resume"});
    }
    // A new phase ends an override by itself; only a change within a phase was a call.
    if (run.override_users != seen_->override_users &&
        (run.override_users || occurrence == seen_->occurrence)) {
      control_actions_.push_back(
          {at, run.override_users ? absl::StrCat("users ", *run.override_users) : "users clear"});
    }
    if (run.override_rate != seen_->override_rate &&
        (run.override_rate || occurrence == seen_->occurrence)) {
      control_actions_.push_back(
          {at, run.override_rate ? absl::StrFormat("rate %g", *run.override_rate) : "rate clear"});
    }
    if (total.requests < seen_->requests) control_actions_.push_back({at, "stats reset"});
  }
  seen_ = Seen{run.paused, run.override_users, run.override_rate, occurrence, total.requests};
}

std::map<std::string, std::string> RunResults::Finish(absl::Time now, const DaemonStatus& status,
                                                      const StatsTotals& totals,
                                                      const std::vector<PhaseRow>& rows,
                                                      const std::vector<PhaseResult>& completed) {
  AddHistoryRow(now, ActiveUsers(status.run), status.recent, totals.total.Total());
  FlushHistoryRow();
  WriteStats(totals);
  if (!csv_prefix_.empty()) {
    Write(csv_prefix_ + "_phases.csv", PhasesCsv(rows));
    Write(csv_prefix_ + "_phases.md", PhasesMarkdown(rows));
    if (!status.thresholds.empty()) {
      Write(csv_prefix_ + "_thresholds.csv", ThresholdsCsv(status.thresholds));
    }
  }
  if (!junit_path_.empty()) {
    Write(junit_path_, ThresholdsJUnit(status.thresholds, status.run_elapsed));
  }
  AddTimelinePoint(now, status, totals);
  if (html_path_.empty()) return failed_;
  // Where each phase actually began; status samples saw the ones dropped or reset since.
  for (const PhaseResult& phase : completed) {
    phases_.insert_or_assign(
        phase.occurrence.number,
        ChartMarker{phase.occurrence.start - status.run.start,
                    absl::StrFormat("%d %s", phase.occurrence.phase, phase.name)});
  }
  HtmlReportInput input;
  input.title = absl::StrFormat("loadgen run %d", run_number_);
  input.facts = {
      {"config", absl::StrCat(status.config_source, " (", status.config_digest, ")")},
      {"application", status.application},
      {"target", status.target},
      {"phase 0 began",
       absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", status.run.start, absl::UTCTimeZone())},
      {"run time", absl::FormatDuration(absl::Trunc(status.run_elapsed, absl::Milliseconds(1)))},
      {"requests", absl::StrCat(status.total.requests)},
      {"failures", absl::StrCat(status.total.failures)}};
  input.rows = rows;
  input.requests = totals.total;
  input.counted = totals.counted;
  input.timeline = timeline_;
  for (const auto& [number, start] : phases_) input.phase_starts.push_back(start);
  input.control_actions = control_actions_;
  input.thresholds = status.thresholds;
  Write(html_path_, HtmlReport(input));
  return failed_;
}

RunResults& ResultsWriter::For(int64_t run_number, absl::Time start) {
  if (!run_ || run_->run_number() != run_number) {
    run_ = std::make_unique<RunResults>(options_, run_number);
    run_->Begin(start);
  }
  return *run_;
}

void ResultsWriter::RunSample(absl::Time now, const DaemonStatus& status,
                              const StatsTotals& totals) {
  std::lock_guard<std::mutex> lock(mu_);
  RunResults& results = For(status.position.run_number, std::min(now, status.run.start));
  results.Sample(now, status, totals);  // the daemon samples once a second
}

void ResultsWriter::RunEnded(absl::Time now, const DaemonStatus& status, const StatsTotals& totals,
                             const StatsSnapshot& stats) {
  std::lock_guard<std::mutex> lock(mu_);
  RunResults& results = For(status.position.run_number, std::min(now, status.run.start));
  const std::map<std::string, std::string> failed = results.Finish(
      now, status, totals, PhaseRows(stats.completed, stats.total.Total()), stats.completed);
  const int64_t run = results.run_number();
  if (failed.empty()) {
    std::vector<std::string> written;
    if (!results.csv_prefix().empty()) written.push_back(results.csv_prefix() + "_*");
    if (!results.html_path().empty()) written.push_back(results.html_path());
    if (!results.junit_path().empty()) written.push_back(results.junit_path());
    absl::FPrintF(stderr, "loadgen: run %d results in %s\n", run, absl::StrJoin(written, " and "));
  }
  for (const auto& [path, error] : failed) {
    absl::FPrintF(stderr, "loadgen: run %d results lost: cannot write %s: %s\n", run, path, error);
  }
  lost_results_ = lost_results_ || !failed.empty();
  run_.reset();
}

bool ResultsWriter::lost_results() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lost_results_;
}

}  // namespace loadgen
