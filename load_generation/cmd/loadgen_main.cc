// loadgen: the phased load generator daemon. See README.md.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boost/asio/ssl/context.hpp"
#include "load_generation/behavior/run_config.h"
#include "load_generation/config/config.h"
#include "load_generation/control/control_service.h"
#include "load_generation/control/daemon.h"
#include "load_generation/control/metrics_server.h"
#include "load_generation/report/report.h"
#include "load_generation/report/results.h"

ABSL_FLAG(std::string, config, "load.pbtxt", "Path of the load.pbtxt that describes the phases.");
ABSL_FLAG(std::string, application, "",
          "Application whose behaviours play the user types (overrides the config's).");
ABSL_FLAG(std::string, host, "",
          "Base URL of the target, e.g. http://frontend:80 (overrides the config's).");
ABSL_FLAG(int, threads, 0, "Event loops, one per core; 0 means one per available core.");
ABSL_FLAG(uint64_t, seed, 0,
          "Seed of the users' random generators; the same seed gives the same tasks and pauses. "
          "0 picks one and prints it.");
ABSL_FLAG(absl::Duration, run_time, absl::ZeroDuration(),
          "End the run after this long, e.g. 90s or 10m, and exit; 0 uses the config's "
          "run_time_s (0 there too: run until stopped).");
ABSL_FLAG(bool, check, false,
          "Validate the config against the application, print a summary and exit: 0 if valid, "
          "2 if not.");
ABSL_FLAG(absl::Duration, status_interval, absl::Seconds(5),
          "How often to print a status line to stderr; 0 for never.");
ABSL_FLAG(bool, tls_verify, true,
          "Verify the target's TLS certificate and host name (https targets).");
ABSL_FLAG(std::string, grpc_address, "127.0.0.1:50051",
          "Where the gRPC control service listens, HOST:PORT (port 0: any free one, printed at "
          "start); empty: no control service.");
ABSL_FLAG(std::string, control_token_file, "",
          "A file holding a token: then every control RPC but health needs metadata "
          "'authorization: Bearer <token>'.");
ABSL_FLAG(std::string, grpc_tls_cert, "",
          "PEM certificate chain for the control service; with --grpc_tls_key it serves TLS.");
ABSL_FLAG(std::string, grpc_tls_key, "", "PEM private key for --grpc_tls_cert.");
ABSL_FLAG(std::string, csv, "",
          "Write Locust's CSV files PREFIX_stats.csv, PREFIX_stats_history.csv and "
          "PREFIX_failures.csv, and the per-phase summary PREFIX_phases.csv and "
          "PREFIX_phases.md; runs after the first add _runN to PREFIX.");
ABSL_FLAG(std::string, html, "",
          "Write a self-contained HTML report (phase table, charts over time) to this file when "
          "a run ends; runs after the first add _runN before the extension.");
ABSL_FLAG(std::string, metrics_address, "",
          "Serve Prometheus metrics on http://HOST:PORT/metrics (and /healthz), e.g. "
          "0.0.0.0:9464; port 0 picks a free one, printed at start. Empty: none.");
ABSL_FLAG(int, shard_count, 1,
          "Shards of one run: this daemon runs its exact share of every phase's users and hatch "
          "rate; the shares of all shards add up to the config's numbers.");
ABSL_FLAG(int, shard_index, -1,
          "This daemon's shard, 0..shard_count-1; -1: from the pod, JOB_COMPLETION_INDEX (an "
          "Indexed Job) or the ordinal ending HOSTNAME (a StatefulSet, e.g. loadgen-2).");
ABSL_FLAG(bool, wait_for_start, false,
          "Load and validate the config, then wait for a Start call instead of starting at once.");

namespace loadgen {
namespace {

constexpr int kExitBadInput = 2;

int Fail(const absl::Status& status, int code) {
  std::fprintf(stderr, "loadgen: %.*s\n", static_cast<int>(status.message().size()),
               status.message().data());
  return code;
}

// --shard_index, else the pod's index: an Indexed Job's JOB_COMPLETION_INDEX, or the ordinal
// a StatefulSet puts at the end of the host name.
absl::StatusOr<int> ShardIndex(int flag, int count) {
  int index = flag;
  std::string source = "--shard_index";
  if (index < 0 && count == 1) return 0;
  if (index < 0) {
    if (const char* job = std::getenv("JOB_COMPLETION_INDEX"); job != nullptr && *job != '\0') {
      source = "JOB_COMPLETION_INDEX";
      if (!absl::SimpleAtoi(job, &index)) index = -1;
    } else if (const char* host = std::getenv("HOSTNAME"); host != nullptr) {
      source = absl::StrCat("the ordinal of HOSTNAME=", host);
      const absl::string_view name(host);
      const size_t dash = name.rfind('-');
      if (dash == absl::string_view::npos || !absl::SimpleAtoi(name.substr(dash + 1), &index)) {
        index = -1;
      }
    }
  }
  if (index < 0 || index >= count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "with --shard_count=", count, " the shard index must be in 0..", count - 1, "; ", source,
        index < 0 ? " does not give one" : absl::StrCat(" gives ", index)));
  }
  return index;
}

int Main(int argc, char** argv) {
  absl::FlagsUsageConfig usage;
  // --help lists the project's own flags, wherever they are defined.
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StartsWith(file, "load_generation/") || absl::StartsWith(file, "applications/");
  };
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "A phased HTTP load generator.\n"
      "Usage: loadgen --config=load.pbtxt [--application=APP] [--host=http://HOST:PORT]");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::fprintf(stderr, "loadgen: unexpected argument '%s' (flags are --name=value)\n", rest[1]);
    return kExitBadInput;
  }

  const std::string path = absl::GetFlag(FLAGS_config);
  absl::StatusOr<RunConfig> run = LoadRunConfig(path, absl::GetFlag(FLAGS_application));
  if (!run.ok()) return Fail(run.status(), kExitBadInput);
  const LoadConfig* config = &run->config;
  const std::string& application = run->application;

  if (absl::GetFlag(FLAGS_check)) {
    std::printf("%s: valid: %d phases, user types %s (application %s), config %s\n", path.c_str(),
                config->phases_size(), absl::StrJoin(run->UserTypes(), ", ").c_str(),
                application.empty() ? "none" : application.c_str(), ConfigDigest(*config).c_str());
    return 0;
  }

  absl::Duration run_time = absl::GetFlag(FLAGS_run_time);
  if (run_time < absl::ZeroDuration()) {
    return Fail(absl::InvalidArgumentError("--run_time must not be negative"), kExitBadInput);
  }
  int threads = absl::GetFlag(FLAGS_threads);
  if (threads < 0 || threads > 1024) {
    return Fail(absl::InvalidArgumentError("--threads must be in 0..1024"), kExitBadInput);
  }
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const int shard_count = absl::GetFlag(FLAGS_shard_count);
  if (shard_count < 1 || shard_count > 10000) {
    return Fail(absl::InvalidArgumentError("--shard_count must be in 1..10000"), kExitBadInput);
  }
  absl::StatusOr<int> shard_index = ShardIndex(absl::GetFlag(FLAGS_shard_index), shard_count);
  if (!shard_index.ok()) return Fail(shard_index.status(), kExitBadInput);
  uint64_t seed = absl::GetFlag(FLAGS_seed);
  if (seed == 0) seed = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) | 1;

  ControlServerOptions control{.address = absl::GetFlag(FLAGS_grpc_address),
                               .tls_cert_file = absl::GetFlag(FLAGS_grpc_tls_cert),
                               .tls_key_file = absl::GetFlag(FLAGS_grpc_tls_key)};
  if (const std::string token_file = absl::GetFlag(FLAGS_control_token_file); !token_file.empty()) {
    absl::StatusOr<std::string> token = ReadFileToString(token_file);
    if (!token.ok()) {
      return Fail(
          absl::InvalidArgumentError(absl::StrCat("cannot read --control_token_file ", token_file,
                                                  ": ", token.status().message())),
          kExitBadInput);
    }
    control.token = std::string(absl::StripAsciiWhitespace(*token));
    if (control.token.empty()) {
      return Fail(absl::InvalidArgumentError(
                      absl::StrCat("--control_token_file ", token_file, " holds no token")),
                  kExitBadInput);
    }
  }
  const bool wait_for_start = absl::GetFlag(FLAGS_wait_for_start);
  if (wait_for_start && control.address.empty()) {
    return Fail(absl::InvalidArgumentError(
                    "--wait_for_start needs the control service: set --grpc_address"),
                kExitBadInput);
  }

  const ResultsOptions results_options{.csv_prefix = absl::GetFlag(FLAGS_csv),
                                       .html_path = absl::GetFlag(FLAGS_html)};
  if (absl::Status writable = CheckResultsOptions(results_options); !writable.ok()) {
    return Fail(writable, kExitBadInput);
  }
  std::optional<ResultsWriter> results;
  if (!results_options.csv_prefix.empty() || !results_options.html_path.empty()) {
    results.emplace(results_options);
  }

  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(absl::GetFlag(FLAGS_tls_verify) ? boost::asio::ssl::verify_peer
                                                      : boost::asio::ssl::verify_none);

  // Signals are taken by this thread alone, with sigtimedwait, so block them everywhere first.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::fprintf(
      stderr, "loadgen: %s: application %s, %d phases, %d threads, seed %llu%s\n", path.c_str(),
      application.c_str(), config->phases_size(), threads, static_cast<unsigned long long>(seed),
      shard_count > 1 ? absl::StrCat(", shard ", *shard_index, " of ", shard_count).c_str() : "");
  RealClock clock;
  Daemon daemon(*std::move(run),
                DaemonOptions{.application = absl::GetFlag(FLAGS_application),
                              .host = absl::GetFlag(FLAGS_host),
                              .threads = threads,
                              .seed = seed,
                              .tls_context = &tls,
                              .tls_verify = absl::GetFlag(FLAGS_tls_verify),
                              .shard_index = *shard_index,
                              .shard_count = shard_count,
                              .listener = results ? &*results : nullptr},
                clock);
  std::unique_ptr<ControlServer> server;
  if (!control.address.empty()) {
    absl::StatusOr<std::unique_ptr<ControlServer>> started = ControlServer::Start(daemon, control);
    if (!started.ok()) return Fail(started.status(), kExitBadInput);
    server = *std::move(started);
    const size_t colon = control.address.rfind(':');
    std::fprintf(stderr, "loadgen: control service on %s:%d%s%s\n",
                 control.address.substr(0, colon).c_str(), server->port(),
                 control.tls_cert_file.empty() ? "" : " (TLS)",
                 control.token.empty() ? "" : " (token required)");
  }
  std::unique_ptr<MetricsServer> metrics;
  if (const std::string address = absl::GetFlag(FLAGS_metrics_address); !address.empty()) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> started = MetricsServer::Start(daemon, address);
    if (!started.ok()) return Fail(started.status(), kExitBadInput);
    metrics = *std::move(started);
    std::fprintf(stderr, "loadgen: metrics on http://%s:%d/metrics\n",
                 address.substr(0, address.rfind(':')).c_str(), metrics->port());
  }
  // A run started here and bounded by a run time or loops ends the process when it is over.
  if (wait_for_start) {
    std::fprintf(stderr, "loadgen: waiting for a Start call\n");
  } else if (absl::Status started = daemon.Start(std::nullopt, clock.Now(), run_time);
             !started.ok()) {
    return Fail(started, kExitBadInput);
  }

  const absl::Duration interval = absl::GetFlag(FLAGS_status_interval);
  absl::Time last_status = clock.Now();
  int64_t runs_seen = 0;
  bool run_under_way = false;
  std::thread stopper;  // stops the run after a signal, while this thread waits for more
  while (true) {
    const timespec timeout = absl::ToTimespec(absl::Milliseconds(200));
    const int signal = sigtimedwait(&signals, nullptr, &timeout);
    if (signal > 0) {
      if (stopper.joinable()) {
        std::fprintf(stderr, "loadgen: second signal, exiting at once\n");
        std::fflush(stdout);
        std::_Exit(1);
      }
      std::fprintf(stderr, "loadgen: %s, stopping (users finish their task)\n", strsignal(signal));
      stopper = std::thread([&daemon] { daemon.Stop().IgnoreError(); });  // idle: nothing to stop
    }
    daemon.Tick();
    const RunPosition position = daemon.Position();
    if (server) server->UpdateHealth(position.state);
    if (position.run_number > runs_seen) {
      runs_seen = position.run_number;
      run_under_way = true;
      const DaemonStatus status = daemon.Status();
      std::fprintf(stderr, "loadgen: run %lld: %s (config %s) against %s\n",
                   static_cast<long long>(position.run_number), status.config_source.c_str(),
                   status.config_digest.c_str(), status.target.c_str());
    }
    const absl::Time now = clock.Now();
    if (position.state == RunState::kIdle && run_under_way) {
      run_under_way = false;
      const StatsSnapshot stats = daemon.Stats();
      const std::vector<PhaseRow> rows = PhaseRows(stats.completed, stats.total.Total());
      std::printf("%s", FormatPhaseTable(rows).c_str());
      std::fflush(stdout);
      const bool batch_run_over =
          !wait_for_start && position.run_number == 1 && !position.stopped_by_call;
      if (batch_run_over) break;
    }
    if (stopper.joinable() && position.state == RunState::kIdle) break;
    if (interval > absl::ZeroDuration() && position.state != RunState::kIdle &&
        now - last_status >= interval) {
      const DaemonStatus status = daemon.Status();
      std::fprintf(
          stderr, "%s\n",
          FormatStatusLine(status.run_elapsed, status.run, status.recent, status.phase_total)
              .c_str());
      last_status = now;
    }
  }
  if (stopper.joinable()) stopper.join();
  if (server) server->Shutdown();
  return 0;
}

}  // namespace
}  // namespace loadgen

int main(int argc, char** argv) { return loadgen::Main(argc, argv); }
