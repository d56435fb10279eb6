#include "load_generation/cmd/loadgenctl.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "load_generation/cmd/coordinator.h"
#include "load_generation/cmd/sweep.h"
#include "load_generation/config/config.h"
#include "load_generation/control/control_api.h"
#include "load_generation/control/shard_merge.h"
#include "load_generation/control/status_proto.h"
#include "load_generation/control/web_server.h"
#include "load_generation/http/host_port.h"
#include "load_generation/report/report.h"
#include "load_generation/report/thresholds.h"
#include "proto/control.grpc.pb.h"

namespace loadgen {
namespace {

constexpr char kUsagePayload[] = "loadgenctl/usage";
constexpr char kThresholdsPayload[] = "loadgenctl/thresholds";  // exit 3: they failed

absl::StatusOr<absl::Duration> DurationOption(const std::string& name, const std::string& text) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d < absl::ZeroDuration()) {
    return CtlUsageError(
        absl::StrCat("--", name, "=", text, ": not a duration >= 0 (e.g. 90s, 5m)"));
  }
  return d;
}

absl::StatusOr<int> WholeNumber(const std::string& what, const std::string& text) {
  int n = 0;
  if (!absl::SimpleAtoi(text, &n) || n < 0) {
    return CtlUsageError(absl::StrCat(what, " must be a whole number >= 0, not '", text, "'"));
  }
  return n;
}

absl::StatusOr<std::string> ReadLocalFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    return CtlUsageError(absl::StrCat("cannot read ", path, ": ", text.status().message()));
  }
  return text;
}

// The config file at `path`, read here and sent inline under its name.
absl::Status SetConfig(const std::string& path, control::ConfigSource* source) {
  absl::StatusOr<std::string> text = ReadLocalFile(path);
  if (!text.ok()) return text.status();
  source->set_text(*std::move(text));
  source->set_name(path);
  return absl::OkStatus();
}

std::string StatusTable(const control::Status& s) {
  const StatusLine line = StatusLineOf(s);
  std::string out;
  absl::StrAppendFormat(&out, "state     %s (run %d, %.1f s)%s\n", line.state, s.run_number(),
                        s.run_elapsed_s(), s.reload_pending() ? ", reload at the phase's end" : "");
  absl::StrAppendFormat(&out, "config    %s (%s), application %s\n", s.config_source(),
                        s.config_digest(), s.application().empty() ? "none" : s.application());
  absl::StrAppendFormat(&out, "target    %s\n", s.target());
  if (line.occurrence) {
    std::string override;
    if (s.override_active()) {
      override = s.override_rate_per_s() > 0
                     ? absl::StrFormat(", overridden to %g arrivals/s", s.override_rate_per_s())
                     : absl::StrCat(", overridden to ", s.override_users(), " users");
    }
    absl::StrAppendFormat(&out, "phase     %d %s (loop %d): %.1f s elapsed, %.1f s left%s\n",
                          s.phase(), s.phase_name(), s.loop(), s.phase_elapsed_s(),
                          s.phase_remaining_s(), override);
    if (s.arrival_rate_per_s() > 0) {
      absl::StrAppendFormat(&out, "arrivals  %.1f/s asked now (open phase)\n",
                            s.arrival_rate_per_s());
    }
  }
  if (s.user_types_size() > 0) {
    const bool open = s.total_arrivals() > 0;  // the run has had open phases: show their counts
    absl::StrAppendFormat(
        &out, "users     %-20s %8s %8s %8s%s\n", "TYPE", "TARGET", "ACTIVE", "STOPPING",
        open ? absl::StrFormat(" %9s %9s %9s", "ARRIVALS", "LATE", "DROPPED") : "");
    for (const auto& t : s.user_types()) {
      absl::StrAppendFormat(
          &out, "          %-20s %8d %8d %8d%s\n", t.name(), t.target(), t.active(), t.stopping(),
          open
              ? absl::StrFormat(" %9d %9d %9d", t.arrivals(), t.late_starts(), t.dropped_arrivals())
              : "");
    }
  }
  absl::StrAppendFormat(&out,
                        "now       %.1f req/s, %.2f failures/s, p50 %.1f ms, p95 %.1f ms, "
                        "p99 %.1f ms (last 10 s)\n",
                        s.current_requests_per_s(), s.current_failures_per_s(), s.current_p50_ms(),
                        s.current_p95_ms(), s.current_p99_ms());
  if (s.total_arrivals() > 0) {
    absl::StrAppendFormat(&out,
                          "corrected p50 %.1f ms, p99 %.1f ms (last 10 s); %d arrivals, %d late "
                          "starts, %d dropped\n",
                          s.current_corrected_p50_ms(), s.current_corrected_p99_ms(),
                          s.total_arrivals(), s.total_late_starts(), s.total_dropped_arrivals());
  }
  absl::StrAppendFormat(
      &out, "generator schedule lag p99 %.1f ms (last 10 s)%s\n", s.schedule_lag_p99_ms(),
      s.generator_saturated() ? ": SATURATED, the figures show the generator's limit, not the "
                                "target's; add threads or shards"
                              : "");
  absl::StrAppendFormat(
      &out, "total     %d requests, %d failures, %.1f req/s%s\n", s.total_requests(),
      s.total_failures(), s.total_requests_per_s(),
      s.total_cancelled_at_stop() == 0
          ? ""
          : absl::StrCat(", ", s.total_cancelled_at_stop(), " cancelled at stop"));
  if (s.completed_phases_size() > 0) {
    // The daemon's own table, without its total row (a status has no whole-run latency).
    absl::StrAppend(&out, "phases\n", FormatPhaseTable(CompletedPhaseRows(s)));
  }
  if (s.thresholds_size() > 0) {
    absl::StrAppend(&out, "thresholds\n", FormatThresholdTable(ThresholdResultsOf(s)));
  }
  if (!s.aborted_by().empty()) {
    absl::StrAppend(&out, "aborted   by threshold ", s.aborted_by(), " (abort_on_fail)\n");
  }
  return out;
}

void AppendRow(const control::RequestStatsRow& r, bool corrected, std::string* out) {
  absl::StrAppendFormat(
      out, "  %-7s %-32s %9d %8d %8.1f %8.1f %8.1f %8.1f %8.1f %9.1f%s\n", r.method(), r.name(),
      r.requests(), r.failures(), r.p50_ms(), r.p95_ms(), r.p99_ms(), r.average_ms(), r.max_ms(),
      r.requests_per_s(),
      corrected ? absl::StrFormat(" %9.1f %9.1f", r.corrected_p50_ms(), r.corrected_p99_ms()) : "");
}

void AppendPhase(const std::string& title, const control::PhaseStats& p, std::string* out) {
  absl::StrAppendFormat(out, "%s (%.1f s)\n", title, p.duration_s());
  // Corrected latencies (from each arrival's intended time) when the phase was open.
  const bool corrected = p.aggregated().corrected_p50_ms() > 0 || !p.arrivals().empty();
  absl::StrAppendFormat(out, "  %-7s %-32s %9s %8s %8s %8s %8s %8s %8s %9s%s\n", "METHOD", "NAME",
                        "REQUESTS", "FAILURES", "P50MS", "P95MS", "P99MS", "AVGMS", "MAXMS",
                        "REQ/S", corrected ? absl::StrFormat(" %9s %9s", "CP50MS", "CP99MS") : "");
  for (const auto& r : p.requests()) AppendRow(r, corrected, out);
  AppendRow(p.aggregated(), corrected, out);
  for (const auto& a : p.arrivals()) {
    absl::StrAppendFormat(out, "  arrivals: %s %d, %d late starts, %d dropped\n", a.user_type(),
                          a.arrivals(), a.late_starts(), a.dropped());
  }
  for (const auto& f : p.failures()) {
    absl::StrAppendFormat(out, "  failure: %d x %s %s: %s\n", f.occurrences(), f.method(), f.name(),
                          f.error());
  }
}

std::string StatsReportTable(const control::StatsReport& report) {
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

// No merge for answers that are not merged: the first shard's shows.
std::optional<control::ApplicationList> Merge(const std::vector<control::ApplicationList>&) {
  return std::nullopt;
}
std::optional<control::Status> Merge(const std::vector<control::Status>& shards) {
  return MergeStatus(shards);
}
std::optional<control::StatsReport> Merge(const std::vector<control::StatsReport>& shards) {
  return MergeStats(shards);
}

// One daemon's control service.
struct Client {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<control::LoadGenerator::Stub> stub;
};

}  // namespace

// What a command works with: the options, a client per daemon, and where to print.
class Ctl {
 public:
  Ctl(const CtlOptions& options, std::FILE* out, std::FILE* err)
      : options_(options), out_(out), err_(err) {}

  // Opens a channel to each daemon the options name.
  absl::Status Connect() {
    absl::StatusOr<absl::Duration> rpc_timeout =
        DurationOption("rpc_timeout", options_.rpc_timeout);
    if (!rpc_timeout.ok()) return rpc_timeout.status();
    rpc_timeout_ = *rpc_timeout;
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (!options_.tls_ca.empty()) {
      absl::StatusOr<std::string> ca = ReadLocalFile(options_.tls_ca);
      if (!ca.ok()) return ca.status();
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = *ca;
      credentials = grpc::SslCredentials(ssl);
    }
    if (!options_.token_file.empty()) {
      absl::StatusOr<std::string> token = ReadLocalFile(options_.token_file);
      if (!token.ok()) return token.status();
      token_ = std::string(absl::StripAsciiWhitespace(*token));
    }
    credentials_ = credentials;
    std::vector<std::string> addresses = {options_.address};
    if (!options_.targets.empty()) {
      absl::StatusOr<std::vector<std::string>> shards = ShardAddresses(options_.targets);
      if (!shards.ok()) return CtlUsageError(std::string(shards.status().message()));
      addresses = *std::move(shards);
    }
    for (const std::string& address : addresses) {
      std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(address, credentials);
      clients_.push_back({address, channel, control::LoadGenerator::NewStub(channel)});
    }
    return absl::OkStatus();
  }

  const CtlOptions& options() const { return options_; }
  bool sharded() const { return clients_.size() > 1; }
  int shards() const { return static_cast<int>(clients_.size()); }

  void Prepare(grpc::ClientContext* context, bool deadline = true) const {
    if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
    if (deadline) context->set_deadline(absl::ToChronoTime(absl::Now() + rpc_timeout_));
  }

  // Calls a unary RPC on every daemon at once and prints the answers: with several shards, a
  // line per shard, then the merged answer. An error if any call failed.
  template <typename Request, typename Response, typename Method>
  absl::Status Call(Method method, const Request& request, std::string (*format)(const Response&)) {
    std::vector<Response> responses(clients_.size());
    std::vector<grpc::Status> statuses(clients_.size());
    Ask(method, request, responses, statuses);
    if (!sharded()) {
      if (!statuses[0].ok()) return FromGrpc(statuses[0]);
      Print(responses[0], format);
      return absl::OkStatus();
    }
    absl::Status result;
    std::vector<Response> answered;
    for (size_t i = 0; i < clients_.size(); ++i) {
      if (!statuses[i].ok()) {
        result = FromGrpc(statuses[i]);
        PrintError(absl::StrCat("shard ", clients_[i].address, ": "), result);
        continue;
      }
      answered.push_back(responses[i]);
      if (!options_.json) std::fprintf(out_, "shard %s: answered\n", clients_[i].address.c_str());
    }
    if (answered.empty()) return absl::UnavailableError("no shard answered");
    const std::optional<Response> merged = Merge(answered);
    if (!options_.json) std::fprintf(out_, "merged over %zu shards:\n", answered.size());
    Print(merged ? *merged : answered.front(), format);
    if (!result.ok()) return absl::UnavailableError("not every shard answered");
    return absl::OkStatus();
  }

  // Asks every daemon at once; an answer and a status each.
  template <typename Request, typename Response, typename Method>
  void Ask(Method method, const Request& request, std::vector<Response>& responses,
           std::vector<grpc::Status>& statuses) {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < clients_.size(); ++i) {
      threads.emplace_back([&, i] {
        grpc::ClientContext context;
        Prepare(&context);
        statuses[i] = (clients_[i].stub.get()->*method)(&context, request, &responses[i]);
      });
    }
    for (std::thread& t : threads) t.join();
  }

  // Polls every daemon's status until none has a run under way, then prints the status.
  // DeadlineExceeded after `timeout` (0: none).
  absl::Status WaitUntilIdle(absl::Duration timeout) {
    const absl::Time deadline =
        timeout > absl::ZeroDuration() ? absl::Now() + timeout : absl::InfiniteFuture();
    control::GetStatusRequest request;
    request.set_histograms(sharded());
    for (bool first = true;; first = false) {
      std::vector<control::Status> responses(clients_.size());
      std::vector<grpc::Status> statuses(clients_.size());
      Ask(&control::LoadGenerator::Stub::GetStatus, request, responses, statuses);
      bool idle = true;
      for (size_t i = 0; i < clients_.size(); ++i) {
        if (!statuses[i].ok()) {
          const std::string why =
              first ? statuses[i].error_message()
                    : "went away while its run was under way (a daemon whose run ends by itself "
                      "exits; its results are in its output and files)";
          return absl::Status(FromGrpc(statuses[i]).code(),
                              absl::StrCat(clients_[i].address, ": ", why));
        }
        idle &= responses[i].state() == control::Status::IDLE;
      }
      if (idle) {
        const control::Status status = sharded() ? MergeStatus(responses) : responses[0];
        Print(status, &StatusTable);
        for (const control::ThresholdResult& t : status.thresholds()) {
          if (!t.passed()) {
            absl::Status failed = absl::FailedPreconditionError(
                absl::StrCat("the run's threshold ", t.name(), " failed"));
            failed.SetPayload(kThresholdsPayload, absl::Cord("1"));
            return failed;
          }
        }
        return absl::OkStatus();
      }
      if (absl::Now() >= deadline) {
        return absl::DeadlineExceededError(
            absl::StrCat("the run is still under way after ", absl::FormatDuration(timeout)));
      }
      absl::SleepFor(std::min(absl::Milliseconds(250), deadline - absl::Now()));
    }
  }

  // Follows one daemon's status until the stream ends.
  absl::Status Watch() {
    if (sharded()) return CtlUsageError("watch follows one daemon: use --address");
    absl::StatusOr<absl::Duration> interval = DurationOption("interval", options_.interval);
    if (!interval.ok()) return interval.status();
    control::WatchStatusRequest request;
    request.set_interval_ms(absl::ToInt64Milliseconds(*interval));
    grpc::ClientContext context;
    Prepare(&context, /*deadline=*/false);
    std::unique_ptr<grpc::ClientReader<control::Status>> reader =
        clients_[0].stub->WatchStatus(&context, request);
    control::Status status;
    while (reader->Read(&status)) {
      Print(
          status,
          +[](const control::Status& s) { return FormatStatusLine(StatusLineOf(s)) + "\n"; });
      std::fflush(out_);
    }
    return FromGrpc(reader->Finish());
  }

  // Asks each daemon's health service about `service`: SERVING or not, a line each.
  absl::Status Health(const std::string& service) {
    absl::Status result;
    for (Client& c : clients_) {
      grpc::health::v1::HealthCheckRequest request;
      request.set_service(service);
      grpc::health::v1::HealthCheckResponse response;
      grpc::ClientContext context;
      Prepare(&context);
      const grpc::Status status =
          grpc::health::v1::Health::NewStub(c.channel)->Check(&context, request, &response);
      if (!status.ok()) {
        result = FromGrpc(status);
        PrintError(sharded() ? c.address + ": " : "", result);
        continue;
      }
      std::fprintf(
          out_, "%s%s\n", sharded() ? (c.address + ": ").c_str() : "",
          grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()).c_str());
      if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
        result = absl::UnavailableError(absl::StrCat(c.address, " is not serving"));
      }
    }
    return result;
  }

  // Runs an experiment (`run`: RunSweep or FindCapacity) on the shards (the targets, or the one
  // --address) until done or SIGINT or SIGTERM, which the caller has blocked.
  absl::Status Experiment(const std::string& experiment,
                          absl::Status (*run)(const SweepOptions&, ShardSet&)) {
    ShardSet shards({.targets = options_.targets.empty() ? options_.address : options_.targets,
                     .credentials = credentials_,
                     .token = token_,
                     .rpc_timeout = rpc_timeout_});
    std::atomic<bool> interrupted = false, done = false;
    std::thread watcher([&] {
      sigset_t signals;
      sigemptyset(&signals);
      sigaddset(&signals, SIGINT);
      sigaddset(&signals, SIGTERM);
      const timespec tick = absl::ToTimespec(absl::Milliseconds(100));
      while (!done) {
        if (sigtimedwait(&signals, nullptr, &tick) > 0) {
          std::fprintf(err_, "loadgenctl: stopping the scenario under way\n");
          interrupted = true;
        }
      }
    });
    absl::Status ran = run({.experiment_path = experiment,
                            .out_dir = options_.out,
                            .log = out_,
                            .interrupted = &interrupted},
                           shards);
    done = true;
    watcher.join();
    if (ran.ok()) std::fprintf(out_, "loadgenctl: results in %s/\n", options_.out.c_str());
    return ran;
  }

  // Serves Locust's API over the shards (the targets, or the one --address) on --web_address
  // until SIGINT or SIGTERM, which the caller has blocked.
  absl::Status Serve() {
    absl::StatusOr<HostPort> address = ParseHostPort(options_.web_address, "--web_address");
    if (!address.ok()) return CtlUsageError(std::string(address.status().message()));
    if (!address->IsLoopback() && token_.empty() && !options_.insecure_control) {
      return CtlUsageError(absl::StrCat(
          "--web_address=", options_.web_address,
          " lets other machines steer the shards: give --token_file (callers then need the "
          "token, which the shards share), or --insecure_control"));
    }
    const std::string targets = options_.targets.empty() ? options_.address : options_.targets;
    ShardSet shards({.targets = targets,
                     .credentials = credentials_,
                     .token = token_,
                     .rpc_timeout = rpc_timeout_});
    Coordinator coordinator(shards);
    absl::StatusOr<std::unique_ptr<WebServer>> server =
        WebServer::Start({.address = options_.web_address,
                          .locust = &coordinator,
                          .api = &shards,
                          .token = ControlToken(token_)});
    if (!server.ok()) return server.status();
    std::fprintf(out_, "loadgenctl: web UI and Locust's API for the shards of %s on http://%s\n",
                 targets.c_str(), HostPort{address->host, (*server)->port()}.ToString().c_str());
    std::fflush(out_);
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    int signal = 0;
    sigwait(&signals, &signal);
    return absl::OkStatus();
  }

  void PrintError(const std::string& where, const absl::Status& status) const {
    std::fprintf(err_, "loadgenctl: %s%s: %s\n", where.c_str(),
                 absl::StatusCodeToString(status.code()).c_str(),
                 std::string(status.message()).c_str());
  }

 private:
  template <typename Response>
  void Print(const Response& response, std::string (*format)(const Response&)) const {
    const std::string text = options_.json ? ProtoJson(response) + "\n" : format(response);
    std::fputs(text.c_str(), out_);
  }

  const CtlOptions& options_;
  std::FILE* out_;
  std::FILE* err_;
  std::vector<Client> clients_;
  std::string token_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  absl::Duration rpc_timeout_;
};

// The command handlers, named as the commands.
namespace commands {

using Stub = control::LoadGenerator::Stub;

absl::Status Status(Ctl& ctl, const std::vector<std::string>&) {
  control::GetStatusRequest request;
  request.set_histograms(ctl.sharded());
  return ctl.Call(&Stub::GetStatus, request, &StatusTable);
}

absl::Status Watch(Ctl& ctl, const std::vector<std::string>&) { return ctl.Watch(); }

absl::Status Start(Ctl& ctl, const std::vector<std::string>& args) {
  control::StartRequest request;
  if (!args.empty()) {
    if (absl::Status read = SetConfig(args[0], request.mutable_config()); !read.ok()) return read;
  }
  if (const std::string& at = ctl.options().at; !at.empty()) {
    absl::Time t;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, at, &t, &error)) {
      return CtlUsageError(absl::StrCat("--at=", at, ": not an RFC 3339 time: ", error));
    }
    request.set_start_at_unix_ms(absl::ToUnixMillis(t));
  } else if (ctl.sharded()) {  // every shard's phase 0 at the same moment
    request.set_start_at_unix_ms(absl::ToUnixMillis(absl::Now() + absl::Seconds(2)));
  }
  if (ctl.sharded()) request.set_shard_count(ctl.shards());
  absl::StatusOr<absl::Duration> run_time = DurationOption("run_time", ctl.options().run_time);
  if (!run_time.ok()) return run_time.status();
  request.set_run_time_s(absl::ToDoubleSeconds(*run_time));
  return ctl.Call(&Stub::Start, request, &StatusTable);
}

absl::Status Stop(Ctl& ctl, const std::vector<std::string>&) {
  absl::StatusOr<absl::Duration> timeout = DurationOption("timeout", ctl.options().timeout);
  if (!timeout.ok()) return timeout.status();
  control::StopRequest request;
  request.set_timeout_ms(absl::ToInt64Milliseconds(*timeout));
  return ctl.Call(&Stub::Stop, request, &StatusTable);
}

absl::Status Phase(Ctl& ctl, const std::vector<std::string>& args) {
  absl::StatusOr<int> phase = WholeNumber("the phase", args[0]);
  if (!phase.ok()) return phase.status();
  control::JumpToPhaseRequest request;
  request.set_phase(*phase);
  return ctl.Call(&Stub::JumpToPhase, request, &StatusTable);
}

absl::Status Users(Ctl& ctl, const std::vector<std::string>& args) {
  if (args[0] == "clear") {
    if (args.size() > 1) return CtlUsageError("'users clear' takes no more arguments");
    return ctl.Call(&Stub::ClearOverride, control::ClearOverrideRequest(), &StatusTable);
  }
  control::OverrideUsersRequest request;
  absl::StatusOr<int> users = WholeNumber("the user count", args[0]);
  if (!users.ok()) return users.status();
  request.set_users(*users);
  for (size_t i = 1; i < args.size(); ++i) {
    absl::StatusOr<int> ratio = WholeNumber("a ratio", args[i]);
    if (!ratio.ok()) return ratio.status();
    request.add_ratios(*ratio);
  }
  return ctl.Call(&Stub::OverrideUsers, request, &StatusTable);
}

absl::Status Rate(Ctl& ctl, const std::vector<std::string>& args) {
  if (args[0] == "clear") {
    return ctl.Call(&Stub::ClearOverride, control::ClearOverrideRequest(), &StatusTable);
  }
  double rate = 0;
  if (!absl::SimpleAtod(args[0], &rate) || !(rate > 0)) {
    return CtlUsageError(
        absl::StrCat("the rate must be a number of arrivals per second > 0, not '", args[0], "'"));
  }
  control::OverrideRateRequest request;
  request.set_arrivals_per_s(rate);
  return ctl.Call(&Stub::OverrideRate, request, &StatusTable);
}

absl::Status Wait(Ctl& ctl, const std::vector<std::string>&) {
  absl::StatusOr<absl::Duration> timeout = DurationOption("timeout", ctl.options().timeout);
  if (!timeout.ok()) return timeout.status();
  return ctl.WaitUntilIdle(*timeout);
}

absl::Status Pause(Ctl& ctl, const std::vector<std::string>&) {
  return ctl.Call(&Stub::Pause, control::PauseRequest(), &StatusTable);
}

absl::Status Resume(Ctl& ctl, const std::vector<std::string>&) {
  return ctl.Call(&Stub::Resume, control::ResumeRequest(), &StatusTable);
}

absl::Status Reload(Ctl& ctl, const std::vector<std::string>& args) {
  control::ReloadConfigRequest request;
  if (absl::Status read = SetConfig(args[0], request.mutable_config()); !read.ok()) return read;
  request.set_when(ctl.options().next_phase ? control::ReloadConfigRequest::NEXT_PHASE
                                            : control::ReloadConfigRequest::NOW);
  return ctl.Call(&Stub::ReloadConfig, request, &StatusTable);
}

absl::Status Reset(Ctl& ctl, const std::vector<std::string>&) {
  return ctl.Call(&Stub::ResetStats, control::ResetStatsRequest(), &StatusTable);
}

absl::Status Stats(Ctl& ctl, const std::vector<std::string>&) {
  control::GetStatsRequest request;
  request.set_histograms(ctl.sharded());
  return ctl.Call(&Stub::GetStats, request, &StatsReportTable);
}

absl::Status Apps(Ctl& ctl, const std::vector<std::string>&) {
  return ctl.Call(&Stub::ListApplications, control::ListApplicationsRequest(), &AppsTable);
}

absl::Status Health(Ctl& ctl, const std::vector<std::string>& args) {
  return ctl.Health(args.empty() ? "" : args[0]);
}

absl::Status Serve(Ctl& ctl, const std::vector<std::string>&) { return ctl.Serve(); }

absl::Status Sweep(Ctl& ctl, const std::vector<std::string>& args) {
  return ctl.Experiment(args[0], &RunSweep);
}

absl::Status FindCapacity(Ctl& ctl, const std::vector<std::string>& args) {
  return ctl.Experiment(args[0], &loadgen::FindCapacity);
}

}  // namespace commands

const std::vector<CtlCommand>& CtlCommands() {
  static const auto* commands = new std::vector<CtlCommand>{
      {"status", "", "the run state, users, rates and completed phases", 0, 0, &commands::Status},
      {"watch", "", "a status line every --interval until interrupted", 0, 0, &commands::Watch},
      {"start", "[FILE]",
       "start a run: of FILE (read here, sent inline) or the daemon's config;\n"
       "--at=TIME, --run_time=DURATION",
       0, 1, &commands::Start},
      {"stop", "", "end the run (--timeout=DURATION for users to finish their task)", 0, 0,
       &commands::Stop},
      {"wait", "",
       "wait until no run is under way, then print the status with its totals;\n"
       "--timeout=DURATION: exit 1 if the run goes on longer; exit 3 if its\n"
       "thresholds failed (on the shards' merged figures with --targets)",
       0, 0, &commands::Wait},
      {"phase", "N", "jump to phase N of the current loop", 1, 1, &commands::Phase},
      {"users", "N [RATIO...]",
       "run N users (split by RATIOs, one per user type) until the next phase;\n"
       "'users clear': back to the phase's own user count",
       1, 64, &commands::Users},
      {"rate", "R",
       "run the open phase under way at R arrivals/s (all shards) until the next phase;\n"
       "'rate clear': back to the phase's own rate",
       1, 1, &commands::Rate},
      {"pause", "", "stop the phase clock; users finish their task and idle", 0, 0,
       &commands::Pause},
      {"resume", "", "start the phase clock again", 0, 0, &commands::Resume},
      {"reload", "FILE", "validate FILE and make it the config (--next_phase: at the phase's end)",
       1, 1, &commands::Reload},
      {"reset", "", "forget the statistics so far", 0, 0, &commands::Reset},
      {"stats", "", "per-request statistics of each phase and in total", 0, 0, &commands::Stats},
      {"apps", "", "the applications and user types compiled into the daemon", 0, 0,
       &commands::Apps},
      {"health", "[SERVICE]",
       "exit 0 if the gRPC health service says SERVING (\"\" the daemon, or\n"
       "pl.demos.load_generation.LoadGenerator: a run is under way), else 1",
       0, 1, &commands::Health},
      {"serve", "",
       "serve the web UI, its JSON routes and Locust's HTTP API on --web_address\n"
       "for the shards of --targets (looked up on every call), until interrupted",
       0, 0, &commands::Serve},
      {"sweep", "EXPERIMENT",
       "run an experiment file's test matrix, scenario by scenario; --out=DIR gets\n"
       "summary.csv, summary.md and summary.html (run again, it skips the scenarios done)",
       1, 1, &commands::Sweep},
      {"find-capacity", "EXPERIMENT",
       "search for the largest users or arrival rate (the experiment's `search`) that\n"
       "meets its thresholds; --out=DIR gets capacity.csv, capacity.md and capacity.html",
       1, 1, &commands::FindCapacity},
  };
  return *commands;
}

std::string CtlUsage() {
  std::string usage =
      "Drives a loadgen daemon over gRPC.\n"
      "Usage: loadgenctl [--address=HOST:PORT | --targets=LIST] [--token_file=F] [--tls_ca=F] "
      "[--json]\n"
      "                  COMMAND\n"
      "Commands:\n";
  for (const CtlCommand& c : CtlCommands()) {
    const std::string head = absl::StrCat(c.name, *c.arguments ? " " : "", c.arguments);
    bool first = true;
    for (absl::string_view line : absl::StrSplit(c.help, '\n')) {
      absl::StrAppendFormat(&usage, "  %-20s %s\n", first ? head : "", line);
      first = false;
    }
  }
  absl::StrAppend(&usage,
                  "  help                 this text\n"
                  "With --targets, every command but watch goes to each shard (start: at a common "
                  "--at, by\ndefault 2 s from now); status sums users and counts, stats merges the "
                  "shards' histograms.\n");
  return usage;
}

absl::Status CtlUsageError(const std::string& message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

bool IsCtlUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

int RunCtl(const CtlOptions& options, const std::vector<std::string>& args, std::FILE* out,
           std::FILE* err) {
  auto usage_error = [&](const std::string& message) {
    std::fprintf(err, "loadgenctl: %s\n%s", message.c_str(), CtlUsage().c_str());
    return 2;
  };
  if (args.empty()) return usage_error("give a command");
  if (args[0] == "help") {
    std::fputs(CtlUsage().c_str(), out);
    return 0;
  }
  const CtlCommand* command = nullptr;
  for (const CtlCommand& c : CtlCommands()) {
    if (args[0] == c.name) command = &c;
  }
  if (command == nullptr) return usage_error(absl::StrCat("unknown command '", args[0], "'"));
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (rest.size() < command->min_args || rest.size() > command->max_args) {
    const size_t min = command->min_args, max = command->max_args;
    return usage_error(absl::StrCat("'", command->name, "' takes ",
                                    min == max ? absl::StrCat(min) : absl::StrCat(min, " to ", max),
                                    " argument", max == 1 ? "" : "s", ", not ", rest.size()));
  }
  if (command->run == &commands::Serve || command->run == &commands::Sweep ||
      command->run == &commands::FindCapacity) {
    // Serve waits for these with sigwait: blocked before any thread starts, in all of them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  }
  Ctl ctl(options, out, err);
  absl::Status status = ctl.Connect();
  if (status.ok()) status = command->run(ctl, rest);
  if (status.ok()) return 0;
  if (IsCtlUsageError(status)) return usage_error(std::string(status.message()));
  if (!ctl.sharded() || status.GetPayload(kThresholdsPayload)) ctl.PrintError("", status);
  return status.GetPayload(kThresholdsPayload) ? 3 : 1;
}

}  // namespace loadgen
