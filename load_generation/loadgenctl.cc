// loadgenctl: a command-line client of the daemon's gRPC control service (proto/control.proto).
// Exit status: 0 on success, 1 when the RPC fails (its status is printed), 2 on usage errors.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "load_generation/config.h"
#include "proto/control.grpc.pb.h"

ABSL_FLAG(std::string, address, "127.0.0.1:50051", "The daemon's control service, HOST:PORT.");
ABSL_FLAG(std::string, token_file, "", "A file holding the daemon's control token.");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM file of the CA that signed the daemon's certificate: connect with TLS.");
ABSL_FLAG(bool, json, false, "Print responses as JSON, one object per line.");
ABSL_FLAG(std::string, interval, "1s", "watch: time between updates, e.g. 500ms.");
ABSL_FLAG(std::string, at, "",
          "start: when phase 0 begins, RFC 3339 (2026-11-22T10:00:00Z); empty: now.");
ABSL_FLAG(std::string, run_time, "0s", "start: end the run after this long; 0: the config's.");
ABSL_FLAG(std::string, timeout, "0s",
          "stop: how long users get to finish their task; 0: the config's stop timeout.");
ABSL_FLAG(bool, next_phase, false,
          "reload: apply the new config when the phase under way ends, not now.");
ABSL_FLAG(std::string, rpc_timeout, "5m", "How long to wait for an answer (not for watch).");

namespace loadgen {
namespace {

namespace control = ::pl::demos::load_generation;

constexpr int kExitRpcError = 1;
constexpr int kExitUsage = 2;

constexpr char kUsage[] = R"(Drives a loadgen daemon over gRPC.
Usage: loadgenctl [--address=HOST:PORT] [--token_file=F] [--tls_ca=F] [--json] COMMAND
Commands:
  status               the run state, users, rates and completed phases
  watch                a status line every --interval until interrupted
  start [FILE]         start a run: of FILE (read here, sent inline) or the daemon's config;
                       --at=TIME, --run_time=DURATION
  stop                 end the run (--timeout=DURATION for users to finish their task)
  phase N              jump to phase N of the current loop
  users N [RATIO...]   run N users (split by RATIOs, one per user type) until the next phase
  users clear          back to the phase's own user count
  pause | resume       stop and restart the phase clock
  reload FILE          validate FILE and make it the config (--next_phase: at the phase's end)
  reset                forget the statistics so far
  stats                per-request statistics of each phase and in total
  apps                 the applications and user types compiled into the daemon)";

struct UsageError {
  std::string message;
};

int Usage(const std::string& message) {
  std::fprintf(stderr, "loadgenctl: %s\n%s\n", message.c_str(), kUsage);
  return kExitUsage;
}

// absl exits with status 1 on an unknown flag; a usage error is 2 here, so look first.
std::optional<std::string> UnknownFlag(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::StartsWith(arg, "-") || arg == "-") continue;
    absl::string_view name = absl::StripPrefix(absl::StripPrefix(arg, "-"), "-");
    name = name.substr(0, name.find('='));
    if (absl::FindCommandLineFlag(name) != nullptr) continue;
    if (absl::StartsWith(name, "no") && absl::FindCommandLineFlag(name.substr(2)) != nullptr) {
      continue;
    }
    return std::string(arg);
  }
  return std::nullopt;
}

absl::Duration DurationFlag(const std::string& name, const std::string& text) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d < absl::ZeroDuration()) {
    throw UsageError{absl::StrCat("--", name, "=", text, ": not a duration >= 0 (e.g. 90s, 5m)")};
  }
  return d;
}

int IntArg(const std::string& what, const std::string& text) {
  int n = 0;
  if (!absl::SimpleAtoi(text, &n) || n < 0) {
    throw UsageError{absl::StrCat(what, " must be a whole number >= 0, not '", text, "'")};
  }
  return n;
}

std::string ReadOrThrow(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    throw UsageError{absl::StrCat("cannot read ", path, ": ", text.status().message())};
  }
  return *text;
}

// The config file at `path`, read here and sent inline under its name.
void SetConfig(const std::string& path, control::ConfigSource* source) {
  source->set_text(ReadOrThrow(path));
  source->set_name(path);
}

std::string Json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

// "running", from the enum's own name; "" for a state this client does not know.
std::string StateName(control::Status::State state) {
  return absl::AsciiStrToLower(control::Status::State_Name(state));
}

// One line, for watch: "running | phase 1 weekend (loop 0) 12.0s/50.0s | Normal 67/67 | ...".
std::string StatusLine(const control::Status& s) {
  std::string line = StateName(s.state());
  if (s.state() == control::Status::RUNNING || s.state() == control::Status::PAUSED) {
    absl::StrAppendFormat(&line, " | phase %d %s (loop %d) %.1fs/%.1fs", s.phase(), s.phase_name(),
                          s.loop(), s.phase_elapsed_s(),
                          s.phase_elapsed_s() + s.phase_remaining_s());
  }
  std::vector<std::string> users;
  int active = 0;
  for (const auto& t : s.user_types()) {
    users.push_back(absl::StrCat(t.name(), " ", t.active(), "/", t.target()));
    active += t.active();
  }
  absl::StrAppendFormat(&line, " | users %d%s%s", active, users.empty() ? "" : " (",
                        users.empty() ? "" : absl::StrCat(absl::StrJoin(users, ", "), ")"));
  if (s.override_active()) absl::StrAppend(&line, " override ", s.override_users());
  absl::StrAppendFormat(&line,
                        " | %.1f req/s p50 %.1f ms p95 %.1f ms p99 %.1f ms | %.1f failures/s | "
                        "total %d requests, %d failures",
                        s.current_requests_per_s(), s.current_p50_ms(), s.current_p95_ms(),
                        s.current_p99_ms(), s.current_failures_per_s(), s.total_requests(),
                        s.total_failures());
  return line;
}

std::string StatusTable(const control::Status& s) {
  std::string out;
  absl::StrAppendFormat(&out, "state     %s (run %d, %.1f s)%s\n", StateName(s.state()),
                        s.run_number(), s.run_elapsed_s(),
                        s.reload_pending() ? ", reload at the phase's end" : "");
  absl::StrAppendFormat(&out, "config    %s (%s), application %s\n", s.config_source(),
                        s.config_digest(), s.application().empty() ? "none" : s.application());
  absl::StrAppendFormat(&out, "target    %s\n", s.target());
  if (s.state() == control::Status::RUNNING || s.state() == control::Status::PAUSED) {
    absl::StrAppendFormat(
        &out, "phase     %d %s (loop %d): %.1f s elapsed, %.1f s left%s\n", s.phase(),
        s.phase_name(), s.loop(), s.phase_elapsed_s(), s.phase_remaining_s(),
        s.override_active() ? absl::StrCat(", overridden to ", s.override_users(), " users") : "");
  }
  if (s.user_types_size() > 0) {
    absl::StrAppendFormat(&out, "users     %-20s %8s %8s %8s\n", "TYPE", "TARGET", "ACTIVE",
                          "STOPPING");
    for (const auto& t : s.user_types()) {
      absl::StrAppendFormat(&out, "          %-20s %8d %8d %8d\n", t.name(), t.target(), t.active(),
                            t.stopping());
    }
  }
  absl::StrAppendFormat(&out,
                        "now       %.1f req/s, %.2f failures/s, p50 %.1f ms, p95 %.1f ms, "
                        "p99 %.1f ms (last 10 s)\n",
                        s.current_requests_per_s(), s.current_failures_per_s(), s.current_p50_ms(),
                        s.current_p95_ms(), s.current_p99_ms());
  absl::StrAppendFormat(&out, "total     %d requests, %d failures, %.1f req/s\n",
                        s.total_requests(), s.total_failures(), s.total_requests_per_s());
  if (s.completed_phases_size() > 0) {
    absl::StrAppendFormat(&out, "phases    %4s %5s %-16s %6s %9s %9s %8s %8s %8s %8s %8s %7s\n",
                          "LOOP", "PHASE", "NAME", "USERS", "DURATION", "REQUESTS", "FAILURES",
                          "REQ/S", "P50MS", "P95MS", "P99MS", "FAIL%");
    for (const auto& p : s.completed_phases()) {
      absl::StrAppendFormat(&out,
                            "          %4d %5d %-16s %6d %8.1fs %9d %8d %8.1f %8.1f %8.1f %8.1f "
                            "%6.2f%%\n",
                            p.loop(), p.phase(), p.name(), p.users(), p.duration_s(), p.requests(),
                            p.failures(), p.requests_per_s(), p.p50_ms(), p.p95_ms(), p.p99_ms(),
                            p.failure_percent());
    }
  }
  return out;
}

void AppendRow(const control::RequestStatsRow& r, std::string* out) {
  absl::StrAppendFormat(out, "  %-7s %-32s %9d %8d %8.1f %8.1f %8.1f %8.1f %8.1f %9.1f\n",
                        r.method(), r.name(), r.requests(), r.failures(), r.p50_ms(), r.p95_ms(),
                        r.p99_ms(), r.average_ms(), r.max_ms(), r.requests_per_s());
}

void AppendPhase(const std::string& title, const control::PhaseStats& p, std::string* out) {
  absl::StrAppendFormat(out, "%s (%.1f s)\n", title, p.duration_s());
  absl::StrAppendFormat(out, "  %-7s %-32s %9s %8s %8s %8s %8s %8s %8s %9s\n", "METHOD", "NAME",
                        "REQUESTS", "FAILURES", "P50MS", "P95MS", "P99MS", "AVGMS", "MAXMS",
                        "REQ/S");
  for (const auto& r : p.requests()) AppendRow(r, out);
  AppendRow(p.aggregated(), out);
  for (const auto& f : p.failures()) {
    absl::StrAppendFormat(out, "  failure: %d x %s %s: %s\n", f.occurrences(), f.method(), f.name(),
                          f.error());
  }
}

std::string StatsTable(const control::StatsReport& report) {
  std::string out;
  for (const auto& p : report.completed_phases()) {
    AppendPhase(absl::StrFormat("phase %d %s, loop %d, %d users", p.phase(), p.name(), p.loop(),
                                p.target_users()),
                p, &out);
  }
  if (report.has_current_phase()) {
    const auto& p = report.current_phase();
    AppendPhase(absl::StrFormat("phase %d %s, loop %d, %d users (under way)", p.phase(), p.name(),
                                p.loop(), p.target_users()),
                p, &out);
  }
  AppendPhase("total", report.total(), &out);
  return out;
}

std::string AppsTable(const control::ApplicationList& list) {
  std::string out;
  for (const auto& app : list.applications()) {
    absl::StrAppend(&out, app.name(), ": ", absl::StrJoin(app.user_types(), ", "), "\n");
  }
  if (list.declared_user_types_size() > 0) {
    absl::StrAppend(
        &out, "declared in the config: ", absl::StrJoin(list.declared_user_types(), ", "), "\n");
  }
  return out;
}

class Client {
 public:
  Client() {
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (const std::string ca = absl::GetFlag(FLAGS_tls_ca); !ca.empty()) {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = ReadOrThrow(ca);
      credentials = grpc::SslCredentials(ssl);
    }
    if (const std::string file = absl::GetFlag(FLAGS_token_file); !file.empty()) {
      token_ = std::string(absl::StripAsciiWhitespace(ReadOrThrow(file)));
    }
    rpc_timeout_ = DurationFlag("rpc_timeout", absl::GetFlag(FLAGS_rpc_timeout));
    stub_ = control::LoadGenerator::NewStub(
        grpc::CreateChannel(absl::GetFlag(FLAGS_address), credentials));
  }

  void Prepare(grpc::ClientContext* context, bool deadline = true) const {
    if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
    if (deadline) context->set_deadline(absl::ToChronoTime(absl::Now() + rpc_timeout_));
  }

  control::LoadGenerator::Stub& stub() { return *stub_; }

 private:
  std::string token_;
  absl::Duration rpc_timeout_;
  std::unique_ptr<control::LoadGenerator::Stub> stub_;
};

int RpcError(const grpc::Status& status) {
  // gRPC's codes and absl's are the same numbers.
  std::fprintf(stderr, "loadgenctl: %s: %s\n",
               absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())).c_str(),
               status.error_message().c_str());
  return kExitRpcError;
}

// Calls a unary RPC and prints its answer.
template <typename Request, typename Response, typename Method>
int Call(Client& client, Method method, const Request& request,
         std::string (*format)(const Response&)) {
  grpc::ClientContext context;
  client.Prepare(&context);
  Response response;
  grpc::Status status = (client.stub().*method)(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  const std::string text = absl::GetFlag(FLAGS_json) ? Json(response) + "\n" : format(response);
  std::fputs(text.c_str(), stdout);
  return 0;
}

int Watch(Client& client) {
  control::WatchStatusRequest request;
  request.set_interval_ms(
      absl::ToInt64Milliseconds(DurationFlag("interval", absl::GetFlag(FLAGS_interval))));
  grpc::ClientContext context;
  client.Prepare(&context, /*deadline=*/false);
  std::unique_ptr<grpc::ClientReader<control::Status>> reader =
      client.stub().WatchStatus(&context, request);
  control::Status status;
  while (reader->Read(&status)) {
    std::printf("%s\n",
                absl::GetFlag(FLAGS_json) ? Json(status).c_str() : StatusLine(status).c_str());
    std::fflush(stdout);
  }
  grpc::Status end = reader->Finish();
  return end.ok() ? 0 : RpcError(end);
}

int Run(const std::vector<std::string>& args) {
  if (args.empty()) return Usage("give a command");
  const std::string& command = args[0];
  const size_t n = args.size() - 1;
  auto want = [&](size_t min, size_t max) {
    if (n < min || n > max) {
      throw UsageError{absl::StrCat("'", command, "' takes ",
                                    min == max ? absl::StrCat(min) : absl::StrCat(min, " to ", max),
                                    " argument", max == 1 ? "" : "s", ", not ", n)};
    }
  };
  using Stub = control::LoadGenerator::Stub;
  Client client;
  if (command == "status") {
    want(0, 0);
    return Call(client, &Stub::GetStatus, control::GetStatusRequest(), &StatusTable);
  }
  if (command == "watch") {
    want(0, 0);
    return Watch(client);
  }
  if (command == "start") {
    want(0, 1);
    control::StartRequest request;
    if (n == 1) SetConfig(args[1], request.mutable_config());
    if (const std::string at = absl::GetFlag(FLAGS_at); !at.empty()) {
      absl::Time t;
      std::string error;
      if (!absl::ParseTime(absl::RFC3339_full, at, &t, &error)) {
        throw UsageError{absl::StrCat("--at=", at, ": not an RFC 3339 time: ", error)};
      }
      request.set_start_at_unix_ms(absl::ToUnixMillis(t));
    }
    request.set_run_time_s(
        absl::ToDoubleSeconds(DurationFlag("run_time", absl::GetFlag(FLAGS_run_time))));
    return Call(client, &Stub::Start, request, &StatusTable);
  }
  if (command == "stop") {
    want(0, 0);
    control::StopRequest request;
    request.set_timeout_ms(
        absl::ToInt64Milliseconds(DurationFlag("timeout", absl::GetFlag(FLAGS_timeout))));
    return Call(client, &Stub::Stop, request, &StatusTable);
  }
  if (command == "phase") {
    want(1, 1);
    control::JumpToPhaseRequest request;
    request.set_phase(IntArg("the phase", args[1]));
    return Call(client, &Stub::JumpToPhase, request, &StatusTable);
  }
  if (command == "users") {
    want(1, 64);
    if (args[1] == "clear") {
      want(1, 1);
      return Call(client, &Stub::ClearOverride, control::ClearOverrideRequest(), &StatusTable);
    }
    control::OverrideUsersRequest request;
    request.set_users(IntArg("the user count", args[1]));
    for (size_t i = 2; i < args.size(); ++i) request.add_ratios(IntArg("a ratio", args[i]));
    return Call(client, &Stub::OverrideUsers, request, &StatusTable);
  }
  if (command == "pause") {
    want(0, 0);
    return Call(client, &Stub::Pause, control::PauseRequest(), &StatusTable);
  }
  if (command == "resume") {
    want(0, 0);
    return Call(client, &Stub::Resume, control::ResumeRequest(), &StatusTable);
  }
  if (command == "reload") {
    want(1, 1);
    control::ReloadConfigRequest request;
    SetConfig(args[1], request.mutable_config());
    request.set_when(absl::GetFlag(FLAGS_next_phase) ? control::ReloadConfigRequest::NEXT_PHASE
                                                     : control::ReloadConfigRequest::NOW);
    return Call(client, &Stub::ReloadConfig, request, &StatusTable);
  }
  if (command == "reset") {
    want(0, 0);
    return Call(client, &Stub::ResetStats, control::ResetStatsRequest(), &StatusTable);
  }
  if (command == "stats") {
    want(0, 0);
    return Call(client, &Stub::GetStats, control::GetStatsRequest(), &StatsTable);
  }
  if (command == "apps") {
    want(0, 0);
    return Call(client, &Stub::ListApplications, control::ListApplicationsRequest(), &AppsTable);
  }
  return Usage(absl::StrCat("unknown command '", command, "'"));
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "loadgenctl");
  };
  absl::SetFlagsUsageConfig(usage);
  if (std::optional<std::string> unknown = UnknownFlag(argc, argv)) {
    return Usage(absl::StrCat("unknown flag ", *unknown));
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  std::vector<std::string> args(positional.begin() + 1, positional.end());
  try {
    return Run(args);
  } catch (const UsageError& e) {
    return Usage(e.message);
  }
}

}  // namespace
}  // namespace loadgen

int main(int argc, char** argv) { return loadgen::Main(argc, argv); }
