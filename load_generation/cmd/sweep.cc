#include "load_generation/cmd/sweep.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "google/protobuf/text_format.h"
#include "load_generation/config/config.h"
#include "load_generation/config/field_errors.h"
#include "load_generation/control/shard_calls.h"
#include "load_generation/report/locust_csv.h"
#include "load_generation/report/markup.h"
#include "load_generation/report/thresholds.h"

namespace loadgen {
namespace {

namespace control = ::pl::demos::load_generation;
using Stub = ShardSet::Stub;

constexpr const char* kColumns[] = {"RPS",          "Median_ms",      "P95_ms",     "P99_ms",
                                    "Failures_Pct", "Total_Requests", "Duration_s", "Timestamp",
                                    "Status",       "Detail"};
constexpr size_t kMaxDetail = 2000;  // characters of a setup's stderr kept

bool IsName(absl::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(),
                                      [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
}

// Splits CSV text (quoted fields, CRLF or LF line ends) into rows of fields.
std::vector<std::vector<std::string>> ParseCsv(absl::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) row.push_back(std::move(field));
      if (!row.empty()) rows.push_back(std::move(row));
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) row.push_back(std::move(field));
  if (!row.empty()) rows.push_back(std::move(row));
  return rows;
}

std::string Ms(double value) { return absl::StrFormat("%.3f", value); }

std::string Now() { return IsoUtc(absl::Now()); }

std::string Describe(const Scenario& scenario) {
  return absl::StrJoin(scenario, " ", [](std::string* out, const auto& axis) {
    absl::StrAppend(out, axis.first, "=", axis.second);
  });
}

// Runs `command` with /bin/sh (signals unblocked, no stdin, stdout discarded); its exit status
// (-1 if it did not exit) and the end of its stderr.
std::pair<int, std::string> RunCommand(const std::string& command) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return {-1, std::strerror(errno)};
  const pid_t pid = fork();
  if (pid < 0) return {-1, std::strerror(errno)};
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(pipe_fds[1], 2);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string err;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof(buffer))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    err.append(buffer, n);
    if (err.size() > 2 * kMaxDetail) err.erase(0, err.size() - kMaxDetail);
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (err.size() > kMaxDetail) err.erase(0, err.size() - kMaxDetail);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return {code, std::string(absl::StripAsciiWhitespace(err))};
}

// Waits `seconds` unless interrupted; false if interrupted.
bool Wait(double seconds, const std::atomic<bool>* interrupted) {
  const absl::Time end = absl::Now() + absl::Seconds(seconds);
  while (absl::Now() < end) {
    if (interrupted != nullptr && interrupted->load()) return false;
    absl::SleepFor(std::min(absl::Milliseconds(100), end - absl::Now()));
  }
  return interrupted == nullptr || !interrupted->load();
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  const std::string aside = path + ".tmp";
  {
    std::ofstream out(aside, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) {
      return absl::UnavailableError(
          absl::StrCat("cannot write ", aside, ": ", std::strerror(errno)));
    }
  }
  if (std::rename(aside.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// Measures one scenario (set up already) on the shards; `result` gets its figures and status.
absl::Status Measure(const Experiment& experiment, const LoadConfig& config, ShardSet& shards,
                     const std::atomic<bool>* interrupted, ScenarioResult& result) {
  control::StartRequest start;
  google::protobuf::TextFormat::PrintToString(config, start.mutable_config()->mutable_text());
  start.mutable_config()->set_name(absl::StrCat("sweep ", Describe(result.scenario)));
  // Longer than the scenario: the sweep stops it once it has its figures.
  start.set_run_time_s(experiment.warmup_s() + experiment.measure_s() + 600);
  if (absl::StatusOr<control::Status> started = CallShards(shards, &Stub::Start, start);
      !started.ok()) {
    return started.status();
  }
  absl::Status measured = [&]() -> absl::Status {
    // A common start is up to 2 s ahead: wait for it before the warm-up counts.
    for (int i = 0; i < 50; ++i) {
      absl::StatusOr<control::Status> s =
          CallShards(shards, &Stub::GetStatus, control::GetStatusRequest());
      if (!s.ok()) return s.status();
      if (s->state() != control::Status::SCHEDULED) break;
      if (!Wait(0.1, interrupted)) return absl::CancelledError("interrupted");
    }
    if (!Wait(experiment.warmup_s(), interrupted)) return absl::CancelledError("interrupted");
    if (absl::StatusOr<control::Status> reset =
            CallShards(shards, &Stub::ResetStats, control::ResetStatsRequest());
        !reset.ok()) {
      return reset.status();
    }
    if (!Wait(experiment.measure_s(), interrupted)) return absl::CancelledError("interrupted");
    absl::StatusOr<control::Status> status =
        CallShards(shards, &Stub::GetStatus, control::GetStatusRequest());
    if (!status.ok()) return status.status();
    absl::StatusOr<control::StatsReport> stats =
        CallShards(shards, &Stub::GetStats, control::GetStatsRequest());
    if (!stats.ok()) return stats.status();
    const control::RequestStatsRow& total = stats->total().aggregated();
    result.requests = total.requests();
    result.duration_s = stats->total().duration_s();
    result.rps = result.duration_s > 0 ? total.requests() / result.duration_s : 0;
    // Open phases: latency from each arrival's intended time, as the thresholds judge it.
    const bool open = total.corrected_p50_ms() > 0;
    result.median_ms = open ? total.corrected_p50_ms() : total.p50_ms();
    result.p95_ms = open ? total.corrected_p95_ms() : total.p95_ms();
    result.p99_ms = open ? total.corrected_p99_ms() : total.p99_ms();
    result.failures_pct = total.requests() > 0 ? 100.0 * total.failures() / total.requests() : 0;
    result.timestamp = Now();
    result.status = "OK";
    std::vector<std::string> failed;
    for (const control::ThresholdResult& t : status->thresholds()) {
      result.status = "PASS";
      if (!t.passed()) failed.push_back(t.name());
    }
    if (!failed.empty()) {
      result.status = "FAIL";
      result.detail = absl::StrCat("failed: ", absl::StrJoin(failed, "; "));
    }
    return absl::OkStatus();
  }();
  // Never leave load running, whatever happened.
  absl::StatusOr<control::Status> stopped = CallShards(shards, &Stub::Stop, control::StopRequest());
  if (measured.ok() && !stopped.ok() &&
      stopped.status().code() != absl::StatusCode::kFailedPrecondition) {
    return stopped.status();
  }
  return measured;
}

const ScenarioResult* Best(const std::vector<ScenarioResult>& results, bool by_latency) {
  const ScenarioResult* best = nullptr;
  for (const ScenarioResult& r : results) {
    if (r.status != "PASS" && r.status != "OK" && r.status != "FAIL") continue;
    if (r.requests == 0) continue;
    if (best == nullptr || (by_latency ? r.p95_ms < best->p95_ms : r.rps > best->rps)) best = &r;
  }
  return best;
}

}  // namespace

absl::StatusOr<Experiment> ReadExperiment(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the experiment ", path, ": ", text.status().message()));
  }
  Experiment experiment;
  if (absl::Status parsed = ParseTextProto(*text, path, &experiment); !parsed.ok()) return parsed;
  FieldErrors check;
  if (experiment.config().empty()) check.Add("config", "name the load.pbtxt each scenario runs");
  std::vector<std::string> names;
  for (int a = 0; a < experiment.axes_size(); ++a) {
    const auto& axis = experiment.axes(a);
    const std::string where = absl::StrCat("axes[", a, "]");
    if (!IsName(axis.name())) {
      check.Add(where + ".name",
                absl::StrCat("must be letters, digits and '_', not '", axis.name(), "'"));
    } else if (std::find(names.begin(), names.end(), axis.name()) != names.end()) {
      check.Add(where + ".name", absl::StrCat("axis '", axis.name(), "' appears twice"));
    }
    names.push_back(axis.name());
    if (axis.values().empty()) check.Add(where + ".values", "give at least one value");
    for (int v = 0; v < axis.values_size(); ++v) {
      const std::string& value = axis.values(v);
      const std::string at = absl::StrCat(where, ".values[", v, "]");
      int users = 0;
      double rate = 0;
      if (axis.name() == "users" &&
          (!absl::SimpleAtoi(value, &users) || users < 0 || users > kMaxUsers)) {
        check.Add(at, absl::StrCat("a user count in 0..", kMaxUsers, ", not '", value, "'"));
      } else if (axis.name() == "arrival_rate_per_s" &&
                 (!absl::SimpleAtod(value, &rate) || !(rate > 0 && rate <= kMaxArrivalRate))) {
        check.Add(at,
                  absl::StrCat("an arrival rate in (0, ", kMaxArrivalRate, "], not '", value, "'"));
      }
    }
  }
  if (!(experiment.measure_s() > 0 && experiment.measure_s() <= kMaxPhaseSeconds)) {
    check.Add("measure_s",
              absl::StrCat("must be in (0, ", kMaxPhaseSeconds, "], not ", experiment.measure_s()));
  }
  for (const auto& [field, value] : {std::pair{"warmup_s", experiment.warmup_s()},
                                     std::pair{"cooldown_s", experiment.cooldown_s()}}) {
    if (!(value >= 0 && value <= kMaxPhaseSeconds)) {
      check.Add(field, absl::StrCat("must be in 0..", kMaxPhaseSeconds, ", not ", value));
    }
  }
  if (absl::Status checked = check.ToStatus(path); !checked.ok()) return checked;
  return experiment;
}

std::vector<Scenario> Scenarios(const Experiment& experiment) {
  std::vector<Scenario> scenarios = {{}};
  for (const auto& axis : experiment.axes()) {
    std::vector<Scenario> next;
    for (const Scenario& partial : scenarios) {
      for (const std::string& value : axis.values()) {
        Scenario s = partial;
        s.emplace_back(axis.name(), value);
        next.push_back(std::move(s));
      }
    }
    scenarios = std::move(next);
  }
  return scenarios;
}

std::string SetupCommand(const std::string& command, const Scenario& scenario) {
  std::vector<std::pair<std::string, std::string>> replacements;
  for (const auto& [name, value] : scenario) replacements.emplace_back("{" + name + "}", value);
  return absl::StrReplaceAll(command, replacements);
}

LoadConfig ScenarioConfig(const LoadConfig& base, const Experiment& experiment,
                          const Scenario& scenario) {
  LoadConfig config = base;
  for (const auto& [name, value] : scenario) {
    for (PhaseConfig& phase : *config.mutable_phases()) {
      if (name == "users" && !IsOpen(phase)) {
        int users = 0;
        if (absl::SimpleAtoi(value, &users)) phase.set_num_users(users);
      } else if (name == "arrival_rate_per_s" && IsOpen(phase)) {
        double rate = 0;
        if (absl::SimpleAtod(value, &rate)) {
          phase.set_arrival_rate_per_s(rate);
          phase.clear_end_arrival_rate_per_s();
        }
      }
    }
  }
  *config.mutable_thresholds() = experiment.thresholds();
  config.set_loops(0);
  config.set_run_time_s(0);
  return config;
}

std::string SummaryCsv(const Experiment& experiment, const std::vector<ScenarioResult>& results) {
  std::vector<std::string> header;
  for (const auto& axis : experiment.axes()) header.push_back(axis.name());
  header.insert(header.end(), std::begin(kColumns), std::end(kColumns));
  std::string out = CsvLine(header);
  for (const ScenarioResult& r : results) {
    std::vector<std::string> row;
    for (const auto& [name, value] : r.scenario) row.push_back(value);
    const bool measured =
        r.requests > 0 || r.status == "PASS" || r.status == "OK" || r.status == "FAIL";
    for (const std::string& v :
         {measured ? absl::StrFormat("%.2f", r.rps) : "", measured ? Ms(r.median_ms) : "",
          measured ? Ms(r.p95_ms) : "", measured ? Ms(r.p99_ms) : "",
          measured ? absl::StrFormat("%.3f", r.failures_pct) : "",
          measured ? absl::StrCat(r.requests) : "",
          measured ? absl::StrFormat("%.1f", r.duration_s) : "", r.timestamp, r.status, r.detail}) {
      row.push_back(v);
    }
    out += CsvLine(row);
  }
  return out;
}

absl::StatusOr<std::vector<ScenarioResult>> ReadSummaryCsv(const Experiment& experiment,
                                                           const std::string& text) {
  const std::vector<std::vector<std::string>> rows = ParseCsv(text);
  std::vector<ScenarioResult> results;
  if (rows.empty()) return results;
  const std::vector<std::string> expected = ParseCsv(SummaryCsv(experiment, {})).front();
  if (rows.front() != expected) {
    return absl::InvalidArgumentError(absl::StrCat("its columns are ",
                                                   absl::StrJoin(rows.front(), ","),
                                                   ", not this "
                                                   "experiment's ",
                                                   absl::StrJoin(expected, ",")));
  }
  const size_t axes = experiment.axes_size();
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::vector<std::string>& row = rows[i];
    if (row.size() != expected.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("row ", i + 1, " has ", row.size(), " fields, not ", expected.size()));
    }
    ScenarioResult r;
    for (size_t a = 0; a < axes; ++a) r.scenario.emplace_back(experiment.axes(a).name(), row[a]);
    (void)absl::SimpleAtod(row[axes], &r.rps);
    (void)absl::SimpleAtod(row[axes + 1], &r.median_ms);
    (void)absl::SimpleAtod(row[axes + 2], &r.p95_ms);
    (void)absl::SimpleAtod(row[axes + 3], &r.p99_ms);
    (void)absl::SimpleAtod(row[axes + 4], &r.failures_pct);
    (void)absl::SimpleAtoi(row[axes + 5], &r.requests);
    (void)absl::SimpleAtod(row[axes + 6], &r.duration_s);
    r.timestamp = row[axes + 7];
    r.status = row[axes + 8];
    r.detail = row[axes + 9];
    results.push_back(std::move(r));
  }
  return results;
}

std::string SummaryMarkdown(const std::string& experiment_path, const Experiment& experiment,
                            const std::vector<ScenarioResult>& results) {
  std::string out = absl::StrCat("# Sweep: ", experiment_path, "\n\n");
  absl::StrAppend(&out, "- config: `", experiment.config(), "`\n- scenarios: ", results.size(),
                  " of ", Scenarios(experiment).size(), "\n- warm-up ", experiment.warmup_s(),
                  " s, measurement ", experiment.measure_s(), " s, cooldown ",
                  experiment.cooldown_s(), " s\n");
  if (!experiment.setup_command().empty()) {
    absl::StrAppend(&out, "- setup: `", experiment.setup_command(), "`\n");
  }
  for (const auto& t : experiment.thresholds()) {
    absl::StrAppend(&out, "- threshold: ", ThresholdName(t), "\n");
  }
  out += "\n## Matrix\n\n|";
  for (const auto& axis : experiment.axes()) absl::StrAppend(&out, " ", axis.name(), " |");
  out += " RPS | Median ms | P95 ms | P99 ms | Failures % | Requests | Status |\n|";
  for (int i = 0; i < experiment.axes_size() + 7; ++i) out += "---:|";
  out += "\n";
  for (const ScenarioResult& r : results) {
    out += "|";
    for (const auto& [name, value] : r.scenario) absl::StrAppend(&out, " ", value, " |");
    absl::StrAppendFormat(&out, " %.1f | %.1f | %.1f | %.1f | %.2f | %d | %s |\n", r.rps,
                          r.median_ms, r.p95_ms, r.p99_ms, r.failures_pct, r.requests, r.status);
  }
  out += "\n## Findings\n\n";
  if (const ScenarioResult* best = Best(results, false)) {
    absl::StrAppendFormat(&out, "- Best throughput: %.1f req/s at %s (p95 %.1f ms).\n", best->rps,
                          Describe(best->scenario), best->p95_ms);
  }
  if (const ScenarioResult* best = Best(results, true)) {
    absl::StrAppendFormat(&out, "- Best latency: p95 %.1f ms at %s (%.1f req/s).\n", best->p95_ms,
                          Describe(best->scenario), best->rps);
    // Where it broke: the first scenario whose p95 is over twice the best, or with failures over
    // 1 %, or whose thresholds failed.
    for (const ScenarioResult& r : results) {
      std::string why;
      if (r.status == "FAIL") why = r.detail;
      if (r.failures_pct > 1) why = absl::StrFormat("%.2f %% of requests failed", r.failures_pct);
      if (r.requests > 0 && r.p95_ms > 2 * best->p95_ms) {
        why = absl::StrFormat("p95 %.1f ms, %.1fx the best", r.p95_ms, r.p95_ms / best->p95_ms);
      }
      if (!why.empty()) {
        absl::StrAppend(&out, "- Broke at ", Describe(r.scenario), ": ", why, ".\n");
        break;
      }
    }
  }
  for (const ScenarioResult& r : results) {
    if (r.status == "SETUP_FAILED" || r.status == "ERROR") {
      absl::StrAppend(&out, "- ", r.status, " at ", Describe(r.scenario), ": ",
                      absl::StrReplaceAll(r.detail, {{"\n", " "}}), "\n");
    }
  }
  return out;
}

namespace {

// A line chart of `value` against the load axis, a line per group of the other axes.
std::string Chart(const std::string& title, const std::string& load_axis,
                  const std::vector<ScenarioResult>& results,
                  double (*value)(const ScenarioResult&)) {
  constexpr int kWidth = 640, kHeight = 300, kLeft = 60, kBottom = 40, kTop = 30, kRight = 160;
  constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                     "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  std::map<std::string, std::vector<std::pair<double, double>>> lines;  // by the other axes
  double max_x = 0, max_y = 0;
  for (const ScenarioResult& r : results) {
    if (r.requests == 0) continue;
    double x = 0;
    std::string group;
    for (const auto& [name, v] : r.scenario) {
      if (name == load_axis) {
        (void)absl::SimpleAtod(v, &x);
      } else {
        absl::StrAppend(&group, group.empty() ? "" : " ", name, "=", v);
      }
    }
    lines[group].emplace_back(x, value(r));
    max_x = std::max(max_x, x);
    max_y = std::max(max_y, value(r));
  }
  if (max_x <= 0) max_x = 1;
  max_y = max_y > 0 ? max_y * 1.1 : 1;
  const auto px = [&](double x) { return kLeft + (kWidth - kLeft - kRight) * x / max_x; };
  const auto py = [&](double y) { return kTop + (kHeight - kTop - kBottom) * (1 - y / max_y); };
  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "xmlns=\"http://www.w3.org/2000/svg\">\n<text x=\"%d\" y=\"18\" "
      "font-weight=\"bold\">%s</text>\n",
      kWidth, kHeight, kWidth, kHeight, kLeft, HtmlEscape(title));
  for (double f : {0.0, 0.5, 1.0}) {
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
        "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%.4g</text>\n",
        kLeft, kWidth - kRight, py(max_y * f), py(max_y * f), kLeft - 4, py(max_y * f) + 4,
        max_y * f);
    absl::StrAppendFormat(
        &svg, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">%.4g</text>\n",
        px(max_x * f), kHeight - kBottom + 16, max_x * f);
  }
  absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n",
                        (kWidth - kRight) / 2, kHeight - 6, HtmlEscape(load_axis));
  int color = 0;
  for (auto& [group, points] : lines) {
    std::sort(points.begin(), points.end());
    std::string d;
    for (const auto& [x, y] : points) {
      absl::StrAppendFormat(&d, "%s%.1f,%.1f", d.empty() ? "M" : "L", px(x), py(y));
    }
    const char* stroke = kColors[color % std::size(kColors)];
    absl::StrAppendFormat(&svg,
                          "<path class=\"series\" data-series=\"%s\" d=\"%s\" fill=\"none\" "
                          "stroke=\"%s\" stroke-width=\"2\"/>\n<text x=\"%d\" y=\"%d\" "
                          "font-size=\"11\" fill=\"%s\">%s</text>\n",
                          HtmlEscape(group.empty() ? "all" : group), d, stroke, kWidth - kRight + 8,
                          kTop + 14 * color, stroke, HtmlEscape(group.empty() ? "all" : group));
    ++color;
  }
  return svg + "</svg>\n";
}

}  // namespace

std::string SummaryHtml(const std::string& experiment_path, const Experiment& experiment,
                        const std::vector<ScenarioResult>& results) {
  std::string load_axis = experiment.axes_size() > 0 ? experiment.axes(0).name() : "";
  for (const auto& axis : experiment.axes()) {
    if (axis.name() == "users" || axis.name() == "arrival_rate_per_s") load_axis = axis.name();
  }
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Sweep: ",
      HtmlEscape(experiment_path),
      "</title>\n<style>body{font:14px sans-serif;margin:24px}table{border-collapse:collapse}"
      "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}</style>\n</head>\n<body>\n"
      "<h1>Sweep: ",
      HtmlEscape(experiment_path), "</h1>\n");
  html += Chart("Throughput (requests/s)", load_axis, results,
                [](const ScenarioResult& r) { return r.rps; });
  html += Chart("p95 latency (ms)", load_axis, results,
                [](const ScenarioResult& r) { return r.p95_ms; });
  html += "<table>\n<tr>";
  for (const auto& axis : experiment.axes())
    absl::StrAppend(&html, "<th>", HtmlEscape(axis.name()), "</th>");
  html +=
      "<th>RPS</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>failures %</th>"
      "<th>status</th></tr>\n";
  for (const ScenarioResult& r : results) {
    html += "<tr>";
    for (const auto& [name, value] : r.scenario)
      absl::StrAppend(&html, "<td>", HtmlEscape(value), "</td>");
    absl::StrAppendFormat(&html,
                          "<td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.2f</td>"
                          "<td>%s</td></tr>\n",
                          r.rps, r.median_ms, r.p95_ms, r.p99_ms, r.failures_pct,
                          HtmlEscape(r.status));
  }
  return html + "</table>\n</body>\n</html>\n";
}

namespace {

// What every scenario of an experiment shares: its file, its config, where results go.
struct Bench {
  Experiment experiment;
  std::string config_name;
  LoadConfig base;
};

absl::StatusOr<Bench> PrepareBench(const SweepOptions& options) {
  absl::StatusOr<Experiment> experiment = ReadExperiment(options.experiment_path);
  if (!experiment.ok()) return experiment.status();
  std::filesystem::path config_path = experiment->config();
  if (config_path.is_relative()) {
    config_path = std::filesystem::path(options.experiment_path).parent_path() / config_path;
  }
  absl::StatusOr<LoadConfig> base = ReadLoadConfig(config_path.string());
  if (!base.ok()) return base.status();
  std::error_code error;
  std::filesystem::create_directories(options.out_dir, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("--out=", options.out_dir, ": cannot create it: ", error.message()));
  }
  return Bench{*std::move(experiment), config_path.string(), *std::move(base)};
}

// The daemon checks a scenario's config (--check's messages) before anything runs.
absl::Status CheckOnShards(const Bench& bench, const Scenario& scenario, ShardSet& shards) {
  control::CheckConfigRequest check;
  google::protobuf::TextFormat::PrintToString(
      ScenarioConfig(bench.base, bench.experiment, scenario),
      check.mutable_config()->mutable_text());
  check.mutable_config()->set_name(bench.config_name);
  absl::StatusOr<control::ConfigCheck> checked = CallShards(shards, &Stub::CheckConfig, check);
  if (!checked.ok()) return checked.status();
  if (!checked->valid()) return absl::InvalidArgumentError(checked->errors());
  return absl::OkStatus();
}

// Sets up, runs and measures one scenario; Cancelled if interrupted (the run stopped).
absl::StatusOr<ScenarioResult> RunScenario(const Bench& bench, const Scenario& scenario,
                                           ShardSet& shards, const SweepOptions& options) {
  ScenarioResult result{.scenario = scenario};
  absl::FPrintF(options.log, "%s: ", Describe(scenario));
  std::fflush(options.log);
  if (!bench.experiment.setup_command().empty()) {
    const auto [code, err] = RunCommand(SetupCommand(bench.experiment.setup_command(), scenario));
    if (code != 0) {
      result.status = "SETUP_FAILED";
      result.detail = absl::StrCat("setup exited with ", code, err.empty() ? "" : ": ", err);
      result.timestamp = Now();
    }
  }
  if (result.status.empty()) {
    absl::Status measured =
        Measure(bench.experiment, ScenarioConfig(bench.base, bench.experiment, scenario), shards,
                options.interrupted, result);
    if (absl::IsCancelled(measured)) {
      absl::FPrintF(options.log, "interrupted: stopped, not recorded\n");
      return absl::CancelledError(
          "interrupted: the scenario under way was stopped; the summary holds the ones that "
          "finished");
    }
    if (!measured.ok()) {
      result.status = "ERROR";
      result.detail = std::string(measured.message());
      result.timestamp = Now();
    }
  }
  absl::FPrintF(options.log, "%s, %.1f req/s, p95 %.1f ms%s\n", result.status, result.rps,
                result.p95_ms, result.detail.empty() ? "" : " (" + result.detail + ")");
  return result;
}

// Writes name.csv, name.md and name.html of `results` in the out folder.
absl::Status WriteSummaries(const SweepOptions& options, const Experiment& experiment,
                            const std::string& name, const std::string& markdown_prefix,
                            const std::vector<ScenarioResult>& results) {
  const std::string base = options.out_dir + "/" + name;
  for (const auto& [path, text] :
       {std::pair{base + ".csv", SummaryCsv(experiment, results)},
        std::pair{base + ".md",
                  markdown_prefix + SummaryMarkdown(options.experiment_path, experiment, results)},
        std::pair{base + ".html", SummaryHtml(options.experiment_path, experiment, results)}}) {
    if (absl::Status w = WriteFile(path, text); !w.ok()) return w;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunSweep(const SweepOptions& options, ShardSet& shards) {
  absl::StatusOr<Bench> bench = PrepareBench(options);
  if (!bench.ok()) return bench.status();
  const Experiment& experiment = bench->experiment;
  if (experiment.axes().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.experiment_path, ": axes: a sweep needs at least one axis"));
  }
  const std::string csv_path = options.out_dir + "/summary.csv";
  std::vector<ScenarioResult> results;
  if (absl::StatusOr<std::string> before = ReadFileToString(csv_path); before.ok()) {
    absl::StatusOr<std::vector<ScenarioResult>> done = ReadSummaryCsv(experiment, *before);
    if (!done.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          csv_path, " is another sweep's (", done.status().message(), "); use another --out"));
    }
    results = *std::move(done);
  }
  const std::vector<Scenario> scenarios = Scenarios(experiment);
  if (absl::Status checked = CheckOnShards(*bench, scenarios.front(), shards); !checked.ok()) {
    return checked;
  }
  for (const Scenario& scenario : scenarios) {
    if (std::any_of(results.begin(), results.end(),
                    [&](const ScenarioResult& r) { return r.scenario == scenario; })) {
      absl::FPrintF(options.log, "%s: done before, skipped\n", Describe(scenario));
      continue;
    }
    absl::StatusOr<ScenarioResult> result = RunScenario(*bench, scenario, shards, options);
    if (!result.ok()) return result.status();
    results.push_back(*std::move(result));
    if (absl::Status w = WriteSummaries(options, experiment, "summary", "", results); !w.ok()) {
      return w;
    }
    if (&scenario != &scenarios.back() && !Wait(experiment.cooldown_s(), options.interrupted)) {
      return absl::CancelledError("interrupted during a cooldown; the summary is written");
    }
  }
  return absl::OkStatus();
}

absl::Status FindCapacity(const SweepOptions& options, ShardSet& shards) {
  absl::StatusOr<Bench> bench = PrepareBench(options);
  if (!bench.ok()) return bench.status();
  const CapacitySearch& search = bench->experiment.search();
  FieldErrors check;
  const bool users = search.axis() == "users";
  if (!users && search.axis() != "arrival_rate_per_s") {
    check.Add("search.axis", absl::StrCat("must be \"users\" or \"arrival_rate_per_s\", not '",
                                          search.axis(), "'"));
  }
  const double most = users ? kMaxUsers : kMaxArrivalRate;
  if (!(search.start() > 0 && search.start() <= most)) {
    check.Add("search.start", absl::StrCat("must be in (0, ", most, "], not ", search.start()));
  }
  if (!(search.max() >= search.start() && search.max() <= most)) {
    check.Add("search.max", absl::StrCat("must be in [start, ", most, "], not ", search.max()));
  }
  if (!(search.resolution() > 0)) {
    check.Add("search.resolution", absl::StrCat("must be > 0, not ", search.resolution()));
  }
  if (bench->experiment.thresholds().empty()) {
    check.Add("thresholds", "name the SLO the capacity must meet");
  }
  if (absl::Status checked = check.ToStatus(options.experiment_path); !checked.ok()) {
    return checked;
  }
  // The steps as a one-axis experiment, for the summaries.
  Experiment curve = bench->experiment;
  curve.clear_axes();
  curve.add_axes()->set_name(search.axis());
  const auto load = [&](double x) {
    return users ? absl::StrCat(static_cast<int64_t>(std::llround(x))) : absl::StrFormat("%g", x);
  };
  if (absl::Status checked = CheckOnShards(*bench, {{search.axis(), load(search.start())}}, shards);
      !checked.ok()) {
    return checked;
  }
  std::vector<ScenarioResult> steps;
  std::optional<double> passed, failed;  // the bracket
  const auto step = [&](double x) -> absl::StatusOr<bool> {
    if (!steps.empty() && !Wait(bench->experiment.cooldown_s(), options.interrupted)) {
      return absl::CancelledError("interrupted during a cooldown");
    }
    absl::StatusOr<ScenarioResult> result =
        RunScenario(*bench, {{search.axis(), load(x)}}, shards, options);
    if (!result.ok()) return result.status();
    const bool pass = result->status == "PASS";
    if (result->status == "SETUP_FAILED" || result->status == "ERROR") {
      return absl::UnavailableError(absl::StrCat("at ", load(x), ": ", result->detail));
    }
    curve.mutable_axes(0)->add_values(load(x));
    steps.push_back(*std::move(result));
    (pass ? passed : failed) = x;
    return pass;
  };
  // Grow, then halve the bracket.
  for (double x = search.start();; x = std::min(2 * x, search.max())) {
    absl::StatusOr<bool> pass = step(x);
    if (!pass.ok()) return pass.status();
    if (!*pass || x >= search.max()) break;
  }
  while (passed && failed && *failed - *passed > search.resolution()) {
    double mid = (*passed + *failed) / 2;
    if (users) mid = std::floor(mid);
    if (mid <= *passed) break;
    absl::StatusOr<bool> pass = step(mid);
    if (!pass.ok()) return pass.status();
  }
  std::string answer;
  if (!passed) {
    answer = absl::StrCat("No capacity: the first step, ", search.axis(), " ", load(search.start()),
                          ", failed the thresholds.");
  } else if (!failed) {
    answer = absl::StrCat("Capacity: at least ", search.axis(), " ", load(*passed),
                          " (the search's max passed).");
  } else {
    answer =
        absl::StrCat("Capacity: ", search.axis(), " ", load(*passed), " (passed; ", load(*failed),
                     " failed: the answer lies in [", load(*passed), ", ", load(*failed), ")).");
  }
  absl::FPrintF(options.log, "%s\n", answer);
  // The curve, in the order of load.
  std::vector<ScenarioResult> sorted = steps;
  std::sort(sorted.begin(), sorted.end(), [](const ScenarioResult& a, const ScenarioResult& b) {
    double x = 0, y = 0;
    (void)absl::SimpleAtod(a.scenario[0].second, &x);
    (void)absl::SimpleAtod(b.scenario[0].second, &y);
    return x < y;
  });
  return WriteSummaries(options, curve, "capacity", absl::StrCat("**", answer, "**\n\n"), sorted);
}

}  // namespace loadgen
