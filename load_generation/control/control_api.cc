#include "load_generation/control/control_api.h"

#include <functional>
#include <map>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "load_generation/control/shard_calls.h"
#include "load_generation/control/status_proto.h"
#include "load_generation/report/html_report.h"
#include "load_generation/report/json.h"
#include "load_generation/report/report.h"
#include "load_generation/stats/stats_proto.h"

namespace loadgen {
namespace {

namespace control = ::pl::demos::load_generation;
using Stub = ShardSet::Stub;
using Shard = ShardSet::Shard;

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

ServerResponse JsonAnswer(std::string body, int status = 200) {
  return {.status = status,
          .body = std::move(body) + "\n",
          .headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}}};
}

ServerResponse ErrorAnswer(const absl::Status& error) {
  return JsonAnswer(absl::StrCat("{\"code\": ", JsonString(absl::StatusCodeToString(error.code())),
                                 ", \"message\": ", JsonString(error.message()), "}"),
                    HttpStatusOf(error.code()));
}

struct Route {
  bool changes;  // POST only
  std::function<absl::StatusOr<std::string>(ShardSet&, absl::string_view body)> call;
};

template <typename Request, typename Response>
Route RouteOf(ShardRpc<Request, Response> rpc, bool changes) {
  return {changes, [rpc](ShardSet& set, absl::string_view body) -> absl::StatusOr<std::string> {
            Request request;
            if (!body.empty()) {
              google::protobuf::util::JsonParseOptions options;
              if (const auto parsed = google::protobuf::util::JsonStringToMessage(
                      std::string(body), &request, options);
                  !parsed.ok()) {
                return absl::InvalidArgumentError(
                    absl::StrCat("the body is not a ", Request::descriptor()->name(),
                                 " message in JSON: ", std::string(parsed.message())));
              }
            }
            absl::StatusOr<Response> answer = CallShards(set, rpc, request);
            if (!answer.ok()) return answer.status();
            return ProtoJson(*answer);
          }};
}

const std::map<std::string, Route, std::less<>>& Routes() {
  static const auto* routes = new std::map<std::string, Route, std::less<>>{
      {"Start", RouteOf(&Stub::Start, true)},
      {"Stop", RouteOf(&Stub::Stop, true)},
      {"GetStatus", RouteOf(&Stub::GetStatus, false)},
      {"JumpToPhase", RouteOf(&Stub::JumpToPhase, true)},
      {"Pause", RouteOf(&Stub::Pause, true)},
      {"Resume", RouteOf(&Stub::Resume, true)},
      {"OverrideUsers", RouteOf(&Stub::OverrideUsers, true)},
      {"OverrideRate", RouteOf(&Stub::OverrideRate, true)},
      {"ClearOverride", RouteOf(&Stub::ClearOverride, true)},
      {"ReloadConfig", RouteOf(&Stub::ReloadConfig, true)},
      {"ResetStats", RouteOf(&Stub::ResetStats, true)},
      {"GetStats", RouteOf(&Stub::GetStats, false)},
      {"ListApplications", RouteOf(&Stub::ListApplications, false)},
      {"Swarm", RouteOf(&Stub::Swarm, true)},
      {"CheckConfig", RouteOf(&Stub::CheckConfig, false)},
      {"GetConfig", RouteOf(&Stub::GetConfig, false)},
  };
  return *routes;
}

ServerResponse CallRoute(ShardSet& set, absl::string_view name, const ServerRequest& request) {
  const auto route = Routes().find(name);
  if (route == Routes().end()) {
    std::string names;
    for (const auto& [known, unused] : Routes())
      absl::StrAppend(&names, names.empty() ? "" : ", ", known);
    return ErrorAnswer(
        absl::NotFoundError(absl::StrCat("no call ", name, " in /api/v1/; the calls: ", names)));
  }
  const bool post = request.method == "POST";
  if (!post && (route->second.changes || request.method != "GET")) {
    return {.status = 405,
            .body = absl::StrCat("/api/v1/", name, " takes ",
                                 route->second.changes ? "POST" : "GET or POST", "\n"),
            .headers = {{"Allow", route->second.changes ? "POST" : "GET, POST"}}};
  }
  // A page elsewhere can make a browser POST a form here, but not JSON.
  const auto type = request.headers.find("content-type");
  if (post && !request.body.empty() &&
      (type == request.headers.end() || !absl::StartsWith(type->second, "application/json"))) {
    return ErrorAnswer(absl::InvalidArgumentError(
        absl::StrCat("/api/v1/", name, " takes a JSON body with Content-Type: application/json")));
  }
  if (post && request.body.empty() && type != request.headers.end() &&
      !absl::StartsWith(type->second, "application/json")) {
    return ErrorAnswer(absl::InvalidArgumentError(
        absl::StrCat("/api/v1/", name, " takes Content-Type: application/json")));
  }
  absl::StatusOr<std::string> answer = route->second.call(set, post ? request.body : "");
  if (!answer.ok()) return ErrorAnswer(answer.status());
  return JsonAnswer(*std::move(answer));
}

// The run so far, for the downloads.
struct RunFigures {
  control::Status status;
  control::StatsReport stats;
};

absl::StatusOr<RunFigures> ReadRun(ShardSet& set) {
  control::GetStatusRequest status_request;
  status_request.set_histograms(true);
  control::GetStatsRequest stats_request;
  stats_request.set_histograms(true);
  absl::StatusOr<control::Status> status = CallShards(set, &Stub::GetStatus, status_request);
  if (!status.ok()) return status.status();
  absl::StatusOr<control::StatsReport> stats = CallShards(set, &Stub::GetStats, stats_request);
  if (!stats.ok()) return stats.status();
  return RunFigures{*std::move(status), *std::move(stats)};
}

ServerResponse Download(std::string body, const char* type, const std::string& name) {
  return {.body = std::move(body),
          .headers = {{"Content-Type", type},
                      {"Content-Disposition", absl::StrCat("attachment;filename=", name)}}};
}

ServerResponse Report(const RunFigures& run) {
  const control::Status& s = run.status;
  HtmlReportInput input{
      .title = absl::StrCat("loadgen run ", s.run_number(), ": ", s.application()),
      .facts = {{"target", s.target()},
                {"config", absl::StrCat(s.config_source(), " (", s.config_digest(), ")")},
                {"state", StatusLineOf(s).state},
                {"run time", absl::FormatDuration(absl::Seconds(s.run_elapsed_s()))}},
      .rows = CompletedPhaseRows(s),
      .requests = TableOf(run.stats.total()),
      .counted = absl::Seconds(run.stats.total().duration_s()),
      .over_time = false};
  return Download(HtmlReport(input), "text/html; charset=utf-8",
                  absl::StrCat("loadgen_run", s.run_number(), ".html"));
}

}  // namespace

std::string ProtoJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

std::optional<ServerResponse> ServeControlApi(ShardSet& shards, const ServerRequest& request) {
  const absl::string_view target(request.target);
  const absl::string_view path = target.substr(0, target.find('?'));
  constexpr absl::string_view kApi = "/api/v1/";
  if (absl::StartsWith(path, kApi)) return CallRoute(shards, path.substr(kApi.size()), request);
  if (path != "/phases.csv" && path != "/report.html") return std::nullopt;
  if (request.method != "GET" && request.method != "HEAD") {
    return ServerResponse{.status = 405,
                          .body = absl::StrCat(path, " takes GET\n"),
                          .headers = {{"Allow", "GET, HEAD"}}};
  }
  absl::StatusOr<RunFigures> run = ReadRun(shards);
  if (!run.ok()) return ErrorAnswer(run.status());
  if (path == "/report.html") return Report(*run);
  return Download(PhasesCsv(CompletedPhaseRows(run->status)), "text/csv",
                  absl::StrCat("loadgen_run", run->status.run_number(), "_phases.csv"));
}

}  // namespace loadgen
