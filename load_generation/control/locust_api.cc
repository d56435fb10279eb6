#include "load_generation/control/locust_api.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "load_generation/control/status_proto.h"
#include "load_generation/http/form.h"
#include "load_generation/report/json.h"
#include "load_generation/report/locust_csv.h"
#include "load_generation/stats/stats_proto.h"

namespace loadgen {
namespace {

constexpr char kMissingCountOrRate[] = "Missing user_count or spawn_rate from /swarm request";

ServerResponse Json(std::string body) {
  return {.body = std::move(body) + "\n", .headers = {{"Content-Type", "application/json"}}};
}

ServerResponse Csv(std::string body, const std::string& name) {
  return {
      .body = std::move(body),
      .headers = {{"Content-Type", "text/csv"},
                  {"Content-Disposition", absl::StrCat("attachment;filename=", name, "_",
                                                       absl::ToUnixSeconds(absl::Now()), ".csv")}}};
}

std::string SwarmAnswer(bool success, absl::string_view message, absl::string_view host,
                        const std::string& extra = "") {
  return absl::StrCat("{\"success\": ", success ? "true" : "false",
                      ", \"message\": ", JsonString(message), ", \"host\": ", JsonString(host),
                      extra, "}");
}

// Reads /swarm's form into `settings` (its host as soon as it is read, for the answer to a bad
// form); the message Locust answers a bad form with otherwise.
absl::Status ParseSwarmForm(const std::string& body, SwarmSettings& settings) {
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> form = ParseForm(body);
  if (!form.ok()) return form.status();
  bool have_count = false;
  // A name given twice counts once, with its first value, as Flask's form reads it; every
  // user_classes counts.
  absl::flat_hash_set<absl::string_view> seen;
  for (const auto& [key, value] : *form) {
    if (key == "user_classes") {
      settings.user_classes.push_back(value);
    } else if (!seen.insert(key).second) {
      continue;
    } else if (key == "user_count") {
      if (!absl::SimpleAtoi(value, &settings.user_count) || settings.user_count < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("user_count must be a whole number of users, not '", value, "'"));
      }
      have_count = true;
    } else if (key == "spawn_rate") {
      if (!absl::SimpleAtod(value, &settings.spawn_rate) || !(settings.spawn_rate >= 0)) {
        return absl::InvalidArgumentError(
            absl::StrCat("spawn_rate must be a positive number, not '", value, "'"));
      }
    } else if (key == "host") {
      settings.host = absl::StrReplaceAll(value, {{"<", ""}, {">", ""}});  // as Locust does
    } else if (key == "run_time" && !value.empty()) {
      absl::StatusOr<absl::Duration> run_time = ParseLocustTimespan(value);
      if (!run_time.ok()) return run_time.status();
      settings.run_time = *run_time;
    }
  }
  if (!have_count || settings.spawn_rate == 0) {
    return absl::InvalidArgumentError(kMissingCountOrRate);
  }
  return absl::OkStatus();
}

ServerResponse Swarm(LocustBackend& backend, const ServerRequest& request) {
  SwarmSettings settings;
  if (absl::Status read = ParseSwarmForm(request.body, settings); !read.ok()) {
    return Json(SwarmAnswer(false, read.message(), settings.host));
  }
  if (absl::Status swarmed = backend.Swarm(settings); !swarmed.ok()) {
    return Json(SwarmAnswer(false, swarmed.message(), settings.host));
  }
  std::string host = settings.host;
  if (host.empty()) host = backend.View().status.target();
  std::string extra;
  if (settings.run_time > absl::ZeroDuration()) {
    absl::StrAppend(&extra, ", \"run_time\": ", absl::ToInt64Seconds(settings.run_time));
  }
  if (!settings.user_classes.empty()) {
    std::vector<std::string> classes = settings.user_classes;
    std::sort(classes.begin(), classes.end());
    absl::StrAppend(&extra, ", \"user_classes\": [",
                    absl::StrJoin(classes, ", ",
                                  [](std::string* out, const std::string& name) {
                                    out->append(JsonString(name));
                                  }),
                    "]");
  }
  return Json(SwarmAnswer(true, "Swarming started", host, extra));
}

std::string Entry(const control::RequestStatsRow& row) {
  return absl::StrCat(
      "{\"method\": ", JsonString(row.method()), ", \"name\": ", JsonString(row.name()),
      ", \"num_requests\": ", row.requests(), ", \"num_failures\": ", row.failures(),
      ", \"min_response_time\": ", JsonNumber(row.requests() > 0 ? row.min_ms() : 0),
      ", \"max_response_time\": ", JsonNumber(row.max_ms()),
      ", \"current_rps\": ", JsonNumber(row.current_requests_per_s()),
      ", \"current_fail_per_sec\": ", JsonNumber(row.current_failures_per_s()),
      ", \"total_rps\": ", JsonNumber(row.requests_per_s()),
      ", \"total_fail_per_sec\": ", JsonNumber(row.failures_per_s()),
      ", \"avg_response_time\": ", JsonNumber(row.average_ms()),
      ", \"median_response_time\": ", JsonNumber(row.p50_ms()),
      ", \"response_time_percentile_0.95\": ", JsonNumber(row.p95_ms()),
      ", \"response_time_percentile_0.99\": ", JsonNumber(row.p99_ms()),
      ", \"avg_content_length\": ", JsonNumber(row.average_content_bytes()), "}");
}

// At most this many entries and errors, as Locust: the page would not render more.
constexpr int kMaxRows = 500;

std::string StatsJson(const LocustView& view) {
  const control::PhaseStats& total = view.total;
  std::vector<std::string> entries;
  for (const control::RequestStatsRow& row : total.requests()) {
    if (static_cast<int>(entries.size()) == kMaxRows) break;
    entries.push_back(Entry(row));
  }
  control::RequestStatsRow aggregated = total.aggregated();
  aggregated.set_method("");
  aggregated.set_name("Aggregated");
  entries.push_back(Entry(aggregated));
  std::vector<std::string> errors;
  for (const control::FailureRow& f : total.failures()) {
    if (static_cast<int>(errors.size()) == kMaxRows) break;
    errors.push_back(absl::StrCat(
        "{\"method\": ", JsonString(f.method()), ", \"name\": ", JsonString(f.name()),
        ", \"error\": ", JsonString(f.error()), ", \"occurrences\": ", f.occurrences(),
        ", \"first_seen\": ", JsonString(IsoUtc(absl::FromUnixMillis(f.first_seen_unix_ms()))),
        ", \"last_seen\": ", JsonString(IsoUtc(absl::FromUnixMillis(f.last_seen_unix_ms()))), "}"));
  }
  const control::Status& s = view.status;
  // Current percentiles only while requests complete, else null, as Locust's.
  const bool current = s.current_requests_per_s() > 0;
  const std::string rps = JsonNumber(aggregated.current_requests_per_s());
  const std::string fail_per_sec = JsonNumber(aggregated.current_failures_per_s());
  std::string out = absl::StrCat(
      "{\"stats\": [", absl::StrJoin(entries, ", "), "], \"errors\": [",
      absl::StrJoin(errors, ", "), "], \"total_rps\": ", rps,
      ", \"total_fail_per_sec\": ", fail_per_sec, ", \"current_rps\": ", rps,
      ", \"current_fail_per_sec\": ", fail_per_sec, ", \"fail_ratio\": ",
      JsonNumber(aggregated.requests() > 0
                     ? static_cast<double>(aggregated.failures()) / aggregated.requests()
                     : 0),
      ", \"current_response_time_percentiles\": {\"response_time_percentile_0.5\": ",
      current ? JsonNumber(s.current_p50_ms()) : "null",
      ", \"response_time_percentile_0.95\": ", current ? JsonNumber(s.current_p95_ms()) : "null",
      "}");
  if (view.workers) {
    std::vector<std::string> workers;
    for (const LocustWorker& w : *view.workers) {
      workers.push_back(absl::StrCat(
          "{\"id\": ", JsonString(w.id), ", \"state\": ", JsonString(w.state),
          ", \"user_count\": ", w.user_count, ", \"cpu_usage\": ", JsonNumber(w.cpu_usage),
          ", \"memory_usage\": ", w.memory_usage, "}"));
    }
    absl::StrAppend(&out, ", \"workers\": [", absl::StrJoin(workers, ", "),
                    "], \"worker_count\": ", workers.size());
  }
  absl::StrAppend(&out, ", \"state\": ", JsonString(LocustState(s)),
                  ", \"user_count\": ", LocustUserCount(s), "}");
  return out;
}

}  // namespace

std::string LocustState(const control::Status& status) {
  switch (status.state()) {
    case control::Status::IDLE:
      return status.run_number() == 0 ? "ready" : "stopped";
    case control::Status::SCHEDULED:
      return "spawning";
    case control::Status::STOPPING:
      return "stopping";
    default:
      break;
  }
  if (status.arrival_rate_per_s() > 0) return "running";  // an open phase makes users as needed
  for (const auto& type : status.user_types()) {
    if (type.active() < type.target()) return "spawning";
  }
  return "running";
}

int LocustUserCount(const control::Status& status) {
  int users = 0;
  for (const auto& type : status.user_types()) users += type.active();
  return users;
}

std::optional<ServerResponse> ServeLocust(LocustBackend& backend, const ServerRequest& request) {
  const absl::string_view target(request.target);
  const absl::string_view path = target.substr(0, target.find('?'));
  const bool post = path == "/swarm";
  if (path != "/swarm" && path != "/stop" && path != "/stats/reset" && path != "/stats/requests" &&
      path != "/stats/requests/csv" && path != "/stats/failures/csv" && path != "/exceptions" &&
      path != "/exceptions/csv") {
    return std::nullopt;
  }
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (post ? request.method != "POST" : !get) {
    return ServerResponse{.status = 405,
                          .body = absl::StrCat(path, " takes ", post ? "POST" : "GET", "\n"),
                          .headers = {{"Allow", post ? "POST" : "GET, HEAD"}}};
  }
  if (path == "/swarm") return Swarm(backend, request);
  if (path == "/stop") {
    (void)backend.Stop();  // Locust answers the same when nothing runs
    return Json("{\"success\": true, \"message\": \"Test stopped\"}");
  }
  if (path == "/stats/reset") {
    (void)backend.ResetStats();  // likewise
    return ServerResponse{.body = "ok"};
  }
  if (path == "/exceptions") return Json("{\"exceptions\": []}");
  if (path == "/exceptions/csv") return Csv(LocustExceptionsCsv(), "exceptions");
  const LocustView view = backend.View();
  if (path == "/stats/requests") return Json(StatsJson(view));
  const StatsTable table = TableOf(view.total);
  if (path == "/stats/requests/csv") {
    return Csv(LocustStatsCsv(table, absl::Seconds(view.total.duration_s())), "requests");
  }
  return Csv(LocustFailuresCsv(table), "failures");
}

absl::Status DaemonLocust::Swarm(const SwarmSettings& settings) {
  return control_.Swarm(settings, {});
}

absl::Status DaemonLocust::Stop() { return control_.Stop(std::nullopt); }

absl::Status DaemonLocust::ResetStats() { return control_.ResetStats(); }

LocustView DaemonLocust::View() {
  LocustView view;
  view.status = ToProto(control_.Status());
  StatsSnapshot stats = control_.Stats();
  stats.completed.clear();  // the total is all Locust shows
  stats.current.reset();
  view.total = ToProto(stats, /*histograms=*/true).total();
  return view;
}

}  // namespace loadgen
