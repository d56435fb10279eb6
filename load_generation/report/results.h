#ifndef LOAD_GENERATION_REPORT_RESULTS_H_
#define LOAD_GENERATION_REPORT_RESULTS_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "load_generation/report/html_report.h"
#include "load_generation/report/report.h"
#include "load_generation/runtime/run_status.h"

namespace loadgen {

struct ResultsOptions {
  std::string csv_prefix;  // --csv: PREFIX_stats.csv, ...; empty for none
  std::string html_path;   // --html; empty for none
  std::string junit_path;  // --junit: the thresholds as JUnit XML; empty for none
};

// InvalidArgument naming the flag when a file could not be created where the options say (no
// such directory, or not writable).
absl::Status CheckResultsOptions(const ResultsOptions& options);

// The files of one run: PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv,
// PREFIX_exceptions.csv (as Locust writes them), PREFIX_phases.csv and PREFIX_phases.md,
// PREFIX_thresholds.csv (when the config has thresholds), the HTML report and the thresholds as
// JUnit XML. Run 1 writes to the names given; run N > 1 of the same daemon adds "_runN" to the
// prefix and before the HTML file's extension, so no run overwrites another's.
//
// While the run is under way, Sample (about once a second) adds a history row (the file gets it
// when the next second's comes, so that no two rows share a timestamp), rewrites the stats and
// failures files and adds a point to the timeline; Finish writes every file as of the end. Each
// file but the history is replaced whole (written aside, then renamed), and history rows are
// written whole and flushed, so a reader never sees a truncated row. A file that cannot be written
// is reported once on stderr; the run goes on, and Finish says which files are lost.
class RunResults {
 public:
  RunResults(const ResultsOptions& options, int64_t run_number);
  ~RunResults();
  RunResults(const RunResults&) = delete;
  RunResults& operator=(const RunResults&) = delete;

  // The history's first row, as Locust writes it when a test starts: 0 users, no requests.
  void Begin(absl::Time now);
  void Sample(absl::Time now, const DaemonStatus& status, const StatsTotals& totals);
  // `rows` is the per-phase summary (PhaseRows) and `completed` the run's completed phases.
  // Returns the files that could not be written as they should be, each with why.
  std::map<std::string, std::string> Finish(absl::Time now, const DaemonStatus& status,
                                            const StatsTotals& totals,
                                            const std::vector<PhaseRow>& rows,
                                            const std::vector<PhaseResult>& completed);

  const std::string& csv_prefix() const { return csv_prefix_; }
  const std::string& html_path() const { return html_path_; }
  const std::string& junit_path() const { return junit_path_; }
  int64_t run_number() const { return run_number_; }

 private:
  // A history row; one of the same second (timestamps are whole seconds) replaces it.
  void AddHistoryRow(absl::Time now, int users, const RecentStats::Figures& recent,
                     const RequestStats& total);
  void FlushHistoryRow();
  void WriteStats(const StatsTotals& totals);
  void AddTimelinePoint(absl::Time now, const DaemonStatus& status, const StatsTotals& totals);
  // Pause, resume, a user count set or cleared, a stats reset: marked on the charts at `at`.
  void NoteControlActions(absl::Duration at, const DaemonStatus& status, const RequestStats& total);
  void Write(const std::string& path, const std::string& content);
  void Report(const std::string& path, const std::string& error);

  std::string csv_prefix_;
  std::string html_path_;
  std::string junit_path_;
  int64_t run_number_;
  std::FILE* history_ = nullptr;
  // The newest history row, written once a row of a later second comes (or at the end), so that
  // the file has one row per second and the last row is the run's final figures.
  std::string pending_row_;
  int64_t pending_second_ = 0;
  std::set<std::string> reported_;  // paths whose write failure is on stderr already
  // Paths whose last write failed (the history: any write), with why.
  std::map<std::string, std::string> failed_;
  // For the HTML report.
  std::vector<TimelinePoint> timeline_;
  std::optional<std::pair<absl::Time, RequestStats>> previous_;  // the last sample's total
  std::map<int64_t, ChartMarker> phases_;                        // each occurrence seen, by number
  // What the status showed at the last sample, to see control actions between samples.
  struct Seen {
    bool paused = false;
    std::optional<int> override_users;
    std::optional<double> override_rate;
    std::optional<int64_t> occurrence;
    int64_t requests = 0;
  };
  std::optional<Seen> seen_;
  std::vector<ChartMarker> control_actions_;
};

// Writes the files of each of the daemon's runs (a RunResults per run) as its listener.
class ResultsWriter : public RunListener {
 public:
  explicit ResultsWriter(ResultsOptions options) : options_(std::move(options)) {}
  void RunSample(absl::Time now, const DaemonStatus& status, const StatsTotals& totals) override;
  void RunEnded(absl::Time now, const DaemonStatus& status, const StatsTotals& totals,
                const StatsSnapshot& stats) override;

  // Whether a run's result file could not be written (then named on stderr when the run ended).
  bool lost_results() const;

 private:
  // mu_ held. The files of run `run_number`, begun at `start` if they are not yet.
  RunResults& For(int64_t run_number, absl::Time start);

  const ResultsOptions options_;
  mutable std::mutex mu_;
  std::unique_ptr<RunResults> run_;  // guarded by mu_
  bool lost_results_ = false;        // guarded by mu_
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_REPORT_RESULTS_H_
