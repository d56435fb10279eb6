// loadgen: the phased load generator daemon. See README.md.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "grpc/support/log.h"
#include "load_generation/cmd/loadgen_process.h"
#include "load_generation/cmd/loadgen_setup.h"

ABSL_FLAG(std::string, config, "load.pbtxt", "Path of the load.pbtxt that describes the phases.");
ABSL_FLAG(std::string, config_dir, "",
          "The only directory control calls may read files from: configs named by ReloadConfig or "
          "Start, and the files (file_lines) of any config they give. Empty: the directory of "
          "--config.");
ABSL_FLAG(std::string, application, "",
          "Application whose behaviours play the user types (overrides the config's).");
ABSL_FLAG(std::string, host, "",
          "Base URL of the target, e.g. http://frontend:80 (overrides the config's).");
ABSL_FLAG(int, threads, 0, "Event loops, one per core; 0 means one per available core.");
ABSL_FLAG(int, busy_poll_us, 0,
          "Microseconds an event loop keeps polling once its users stop making progress (no "
          "request ends, no pause or arrival begins) before it sleeps: a busy loop never waits "
          "to be woken, so arrivals start on time (open phases at high rates), at the cost of "
          "its whole core while busy. 0 (the default): it sleeps whenever out of work.");
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
          "A file holding a token: then every control RPC but health, and every HTTP route but "
          "/healthz and /metrics, needs 'authorization: Bearer <token>'.");
ABSL_FLAG(bool, insecure_control, false,
          "Allow a --grpc_address or --web_address beyond loopback without --control_token_file: "
          "anyone who can reach the port may then start load against any target.");
ABSL_FLAG(std::string, grpc_tls_cert, "",
          "PEM certificate chain for the control service; with --grpc_tls_key it serves TLS.");
ABSL_FLAG(std::string, grpc_tls_key, "", "PEM private key for --grpc_tls_cert.");
ABSL_FLAG(std::string, csv, "",
          "Write Locust's CSV files PREFIX_stats.csv, PREFIX_stats_history.csv, "
          "PREFIX_failures.csv and PREFIX_exceptions.csv, and the per-phase summary "
          "PREFIX_phases.csv and PREFIX_phases.md; runs after the first add _runN to PREFIX.");
ABSL_FLAG(std::string, html, "",
          "Write a self-contained HTML report (phase table, charts over time) to this file when "
          "a run ends; runs after the first add _runN before the extension.");
ABSL_FLAG(std::string, junit, "",
          "Write the config's thresholds and their results as JUnit XML to this file when a run "
          "ends (for CI systems); runs after the first add _runN before the extension.");
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
          "Load and validate the config, then wait for a Start call (or a /swarm) instead of "
          "starting at once.");
ABSL_FLAG(std::string, web_address, "",
          "Serve the web UI (/), its JSON routes (/api/v1/...), Locust's HTTP API (/swarm, /stop, "
          "/stats/requests, ...), /metrics and /healthz on HOST:PORT, e.g. 127.0.0.1:8089; "
          "beyond loopback it needs "
          "--control_token_file (or --insecure_control). Empty: none.");
ABSL_FLAG(int, users, -1,
          "Locust's -u: run one phase of this many users (the config's first phase's user "
          "types, ratios and waits, or --user_types) instead of the config's phases; -1: the "
          "config's phases. No config file is needed with --application.");
ABSL_FLAG(double, spawn_rate, 1, "Locust's -r: with --users, users started a second (e.g. 0.5).");
ABSL_FLAG(std::string, user_types, "",
          "With --users, the user types to run: Stochastic, or weighted Normal:1,Weekend:2 "
          "(Locust's user classes); empty: the config's first phase's, or every type of the "
          "application.");
ABSL_FLAG(bool, headless, false,
          "Accepted for Locust's command lines; loadgen is headless unless --web_address is set.");

namespace loadgen {
namespace {

constexpr int kExitBadInput = 2;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "loadgen: %.*s\n", static_cast<int>(status.message().size()),
               status.message().data());
  return kExitBadInput;
}

// Which flags the command line names, where a default and the same value given differ.
struct Given {
  bool grpc_address = false;
  bool config = false;
};

Given GivenFlags(int argc, char** argv) {
  Given given;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    arg = absl::StripPrefix(absl::StripPrefix(arg, "-"), "-");
    const absl::string_view name = arg.substr(0, arg.find('='));
    if (name == "grpc_address") given.grpc_address = true;
    if (name == "config") given.config = true;
  }
  return given;
}

LoadgenFlags Flags(const Given& given) {
  return {.config = absl::GetFlag(FLAGS_config),
          .config_given = given.config,
          .config_dir = absl::GetFlag(FLAGS_config_dir),
          .application = absl::GetFlag(FLAGS_application),
          .host = absl::GetFlag(FLAGS_host),
          .threads = absl::GetFlag(FLAGS_threads),
          .busy_poll_us = absl::GetFlag(FLAGS_busy_poll_us),
          .seed = absl::GetFlag(FLAGS_seed),
          .run_time = absl::GetFlag(FLAGS_run_time),
          .check = absl::GetFlag(FLAGS_check),
          .status_interval = absl::GetFlag(FLAGS_status_interval),
          .tls_verify = absl::GetFlag(FLAGS_tls_verify),
          .grpc_address = absl::GetFlag(FLAGS_grpc_address),
          .grpc_address_given = given.grpc_address,
          .control_token_file = absl::GetFlag(FLAGS_control_token_file),
          .insecure_control = absl::GetFlag(FLAGS_insecure_control),
          .grpc_tls_cert = absl::GetFlag(FLAGS_grpc_tls_cert),
          .grpc_tls_key = absl::GetFlag(FLAGS_grpc_tls_key),
          .csv = absl::GetFlag(FLAGS_csv),
          .html = absl::GetFlag(FLAGS_html),
          .junit = absl::GetFlag(FLAGS_junit),
          .metrics_address = absl::GetFlag(FLAGS_metrics_address),
          .web_address = absl::GetFlag(FLAGS_web_address),
          .shard_count = absl::GetFlag(FLAGS_shard_count),
          .shard_index = absl::GetFlag(FLAGS_shard_index),
          .wait_for_start = absl::GetFlag(FLAGS_wait_for_start),
          .users = absl::GetFlag(FLAGS_users),
          .spawn_rate = absl::GetFlag(FLAGS_spawn_rate),
          .user_types = absl::GetFlag(FLAGS_user_types)};
}

// gRPC's own log lines (e.g. a bind error's dump) stay out of the daemon's output, which says
// what went wrong in its own words; GRPC_VERBOSITY set in the environment brings them back.
void Discard(gpr_log_func_args* /*args*/) {}

int Main(int argc, char** argv) {
  if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_function(&Discard);
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
  absl::StatusOr<LoadgenSetup> setup =
      MakeSetup(Flags(GivenFlags(argc, argv)), LoadgenEnvironment::OfThisProcess());
  if (!setup.ok()) return Fail(setup.status());
  if (setup->check) {
    std::printf("%s\n", CheckSummary(*setup).c_str());
    return 0;
  }
  absl::StatusOr<std::unique_ptr<LoadgenProcess>> process =
      LoadgenProcess::Start(*std::move(setup));
  if (!process.ok()) return Fail(process.status());
  return (*process)->Supervise();
}

}  // namespace
}  // namespace loadgen

int main(int argc, char** argv) { return loadgen::Main(argc, argv); }
