// loadgenctl: a command-line client of the daemon's gRPC control service (proto/control.proto).
// Exit status: 0 on success, 1 when the RPC fails (its status is printed), 2 on usage errors.
#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
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
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "load_generation/config/config.h"
#include "load_generation/stats/stats_proto.h"
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
ABSL_FLAG(std::string, targets, "",
          "The shards of one run: HOST:PORT,HOST:PORT,... or one DNS name HOST:PORT that resolves "
          "to every shard (a headless Service). Each command goes to every shard; status and "
          "stats are merged. Replaces --address.");

namespace loadgen {
namespace {

namespace control = ::pl::demos::load_generation;

constexpr int kExitRpcError = 1;
constexpr int kExitUsage = 2;

constexpr char kUsage[] = R"(Drives a loadgen daemon over gRPC.
Usage: loadgenctl [--address=HOST:PORT | --targets=LIST] [--token_file=F] [--tls_ca=F] [--json]
                  COMMAND
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
  apps                 the applications and user types compiled into the daemon
  health [SERVICE]     exit 0 if the gRPC health service says SERVING ("" the daemon, or
                       pl.demos.load_generation.LoadGenerator: a run is under way), else 1
With --targets, every command but watch goes to each shard (start: at a common --at, by
default 2 s from now); status sums users and counts, stats merges the shards' histograms.)";

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
  explicit Client(const std::string& address) : address_(address) {
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
    channel_ = grpc::CreateChannel(address, credentials);
    stub_ = control::LoadGenerator::NewStub(channel_);
  }

  void Prepare(grpc::ClientContext* context, bool deadline = true) const {
    if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
    if (deadline) context->set_deadline(absl::ToChronoTime(absl::Now() + rpc_timeout_));
  }

  control::LoadGenerator::Stub& stub() { return *stub_; }

  const std::string& address() const { return address_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  std::string address_;
  std::string token_;
  absl::Duration rpc_timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<control::LoadGenerator::Stub> stub_;
};

int RpcError(const grpc::Status& status) {
  // gRPC's codes and absl's are the same numbers.
  std::fprintf(stderr, "loadgenctl: %s: %s\n",
               absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())).c_str(),
               status.error_message().c_str());
  return kExitRpcError;
}

// Merges the shards' answers into one; none for answers that are not merged (the first shows).
template <typename Response>
std::optional<Response> Merge(const std::vector<Response>& /*shards*/) {
  return std::nullopt;
}

// Users and counts summed; the current percentiles, which the status carries without their
// histograms, are left out (`stats` merges them exactly).
template <>
std::optional<control::Status> Merge(const std::vector<control::Status>& shards) {
  control::Status merged = shards.front();
  merged.clear_user_types();
  merged.clear_completed_phases();
  merged.clear_current_p50_ms();
  merged.clear_current_p95_ms();
  merged.clear_current_p99_ms();
  std::map<std::string, control::Status::UserType> types;
  std::map<std::pair<int, int>, control::Status::PhaseSummary> phases;  // by (loop, phase)
  for (size_t i = 0; i < shards.size(); ++i) {
    const control::Status& s = shards[i];
    for (const auto& t : s.user_types()) {
      control::Status::UserType& sum = types[t.name()];
      sum.set_name(t.name());
      sum.set_target(sum.target() + t.target());
      sum.set_active(sum.active() + t.active());
      sum.set_stopping(sum.stopping() + t.stopping());
    }
    for (const auto& p : s.completed_phases()) {
      control::Status::PhaseSummary& sum = phases[{p.loop(), p.phase()}];
      sum.set_loop(p.loop());
      sum.set_phase(p.phase());
      sum.set_name(p.name());
      sum.set_users(sum.users() + p.users());
      sum.set_duration_s(std::max(sum.duration_s(), p.duration_s()));
      sum.set_requests(sum.requests() + p.requests());
      sum.set_failures(sum.failures() + p.failures());
      sum.set_requests_per_s(sum.requests_per_s() + p.requests_per_s());
      sum.set_failure_percent(sum.requests() ? 100.0 * sum.failures() / sum.requests() : 0);
    }
    if (i == 0) continue;
    merged.set_current_requests_per_s(merged.current_requests_per_s() + s.current_requests_per_s());
    merged.set_current_failures_per_s(merged.current_failures_per_s() + s.current_failures_per_s());
    merged.set_total_requests(merged.total_requests() + s.total_requests());
    merged.set_total_failures(merged.total_failures() + s.total_failures());
    merged.set_total_requests_per_s(merged.total_requests_per_s() + s.total_requests_per_s());
    merged.set_override_users(merged.override_users() + s.override_users());
  }
  for (auto& [name, t] : types) *merged.add_user_types() = t;
  for (auto& [key, p] : phases) *merged.add_completed_phases() = p;
  return merged;
}

// Every phase occurrence's rows merged across shards, by occurrence number.
template <>
std::optional<control::StatsReport> Merge(const std::vector<control::StatsReport>& shards) {
  control::StatsReport merged;
  std::map<int64_t, std::vector<const control::PhaseStats*>> completed;
  std::vector<const control::PhaseStats*> current, total;
  for (const control::StatsReport& r : shards) {
    for (const auto& p : r.completed_phases()) completed[p.occurrence()].push_back(&p);
    if (r.has_current_phase()) current.push_back(&r.current_phase());
    total.push_back(&r.total());
  }
  for (const auto& [occurrence, phases] : completed) {
    *merged.add_completed_phases() = MergePhaseStats(phases);
  }
  if (!current.empty()) *merged.mutable_current_phase() = MergePhaseStats(current);
  *merged.mutable_total() = MergePhaseStats(total);
  return merged;
}

// Calls a unary RPC on every shard at once and prints the answers: with several shards, a line
// per shard, then the merged answer when there is one. Exit status 1 if any call failed.
template <typename Request, typename Response, typename Method>
int Call(std::vector<Client>& clients, Method method, const Request& request,
         std::string (*format)(const Response&)) {
  std::vector<Response> responses(clients.size());
  std::vector<grpc::Status> statuses(clients.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < clients.size(); ++i) {
    threads.emplace_back([&, i] {
      grpc::ClientContext context;
      clients[i].Prepare(&context);
      statuses[i] = (clients[i].stub().*method)(&context, request, &responses[i]);
    });
  }
  for (std::thread& t : threads) t.join();
  const bool json = absl::GetFlag(FLAGS_json);
  if (clients.size() == 1) {
    if (!statuses[0].ok()) return RpcError(statuses[0]);
    std::fputs((json ? Json(responses[0]) + "\n" : format(responses[0])).c_str(), stdout);
    return 0;
  }
  int exit = 0;
  std::vector<Response> answered;
  for (size_t i = 0; i < clients.size(); ++i) {
    if (!statuses[i].ok()) {
      std::fprintf(stderr, "loadgenctl: shard %s: ", clients[i].address().c_str());
      exit = RpcError(statuses[i]);
      continue;
    }
    answered.push_back(responses[i]);
    if (!json) std::printf("shard %s: answered\n", clients[i].address().c_str());
  }
  if (answered.empty()) return exit;
  const std::optional<Response> merged = Merge(answered);
  const Response& shown = merged ? *merged : answered.front();
  if (!json) std::printf("merged over %zu shards:\n", answered.size());
  std::fputs((json ? Json(shown) + "\n" : format(shown)).c_str(), stdout);
  return exit;
}

// The shards --targets names: a list, or every address one name resolves to.
std::vector<std::string> ShardAddresses(const std::string& targets) {
  std::vector<std::string> list = absl::StrSplit(targets, ',', absl::SkipWhitespace());
  if (list.size() != 1) return list;
  const std::string& target = list[0];
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos) {
    throw UsageError{absl::StrCat("--targets=", targets, ": give HOST:PORT")};
  }
  const std::string host = target.substr(0, colon), port = target.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int error = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); error != 0) {
    throw UsageError{absl::StrCat("--targets=", targets, ": ", gai_strerror(error))};
  }
  std::set<std::string> addresses;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char ip[INET6_ADDRSTRLEN] = "";
    const void* where =
        a->ai_family == AF_INET6
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    inet_ntop(a->ai_family, where, ip, sizeof(ip));
    addresses.insert(a->ai_family == AF_INET6 ? absl::StrCat("[", ip, "]:", port)
                                              : absl::StrCat(ip, ":", port));
  }
  freeaddrinfo(found);
  return {addresses.begin(), addresses.end()};
}

int Watch(std::vector<Client>& clients) {
  if (clients.size() != 1) throw UsageError{"watch follows one daemon: use --address"};
  Client& client = clients.front();
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
  std::vector<Client> client;
  if (const std::string targets = absl::GetFlag(FLAGS_targets); !targets.empty()) {
    for (const std::string& address : ShardAddresses(targets)) client.emplace_back(address);
  } else {
    client.emplace_back(absl::GetFlag(FLAGS_address));
  }
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
    } else if (client.size() > 1) {  // every shard's phase 0 at the same moment
      request.set_start_at_unix_ms(absl::ToUnixMillis(absl::Now() + absl::Seconds(2)));
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
    control::GetStatsRequest request;
    request.set_histograms(client.size() > 1);
    return Call(client, &Stub::GetStats, request, &StatsTable);
  }
  if (command == "health") {
    want(0, 1);
    int exit = 0;
    for (Client& c : client) {
      grpc::health::v1::HealthCheckRequest request;
      if (n == 1) request.set_service(args[1]);
      grpc::health::v1::HealthCheckResponse response;
      grpc::ClientContext context;
      c.Prepare(&context);
      const grpc::Status status =
          grpc::health::v1::Health::NewStub(c.channel())->Check(&context, request, &response);
      if (!status.ok()) {
        exit = RpcError(status);
        continue;
      }
      const std::string state =
          grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
      std::printf("%s%s\n", client.size() > 1 ? (c.address() + ": ").c_str() : "", state.c_str());
      if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) exit = 1;
    }
    return exit;
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
