// loadgenctl: a command-line client of the daemon's gRPC control service (proto/control.proto).
// Exit status: 0 on success, 1 when the RPC fails (its status is printed), 2 on usage errors.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "load_generation/cmd/loadgenctl.h"

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
          "stop: how long users get to finish their task; 0: the config's stop timeout. "
          "wait: how long to wait for the run to end; 0: no limit.");
ABSL_FLAG(bool, next_phase, false,
          "reload: apply the new config when the phase under way ends, not now.");
ABSL_FLAG(std::string, rpc_timeout, "5m", "How long to wait for an answer (not for watch).");
ABSL_FLAG(std::string, web_address, "127.0.0.1:8089",
          "serve: where the web UI and Locust's HTTP API listen, HOST:PORT (port 0: any free "
          "one, printed).");
ABSL_FLAG(bool, insecure_control, false,
          "serve: allow a --web_address beyond loopback without --token_file.");
ABSL_FLAG(std::string, out, "sweep",
          "sweep: the folder of summary.csv and summary.md (a sweep run again there skips the "
          "scenarios it has finished).");
ABSL_FLAG(std::string, targets, "",
          "The shards of one run: HOST:PORT,HOST:PORT,... or one DNS name HOST:PORT that resolves "
          "to every shard (a headless Service). Each command goes to every shard; status and "
          "stats are merged. Replaces --address.");

namespace loadgen {
namespace {

// absl exits with status 1 on an unknown flag, and prints its own help for --help; here an
// unknown flag is a usage error (2) and --help is the usage (0), so look first.
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

bool AsksForHelp(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--help" || arg == "-help" || arg == "-h") return true;
  }
  return false;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(CtlUsage());
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "loadgenctl");
  };
  absl::SetFlagsUsageConfig(usage);
  if (AsksForHelp(argc, argv)) {
    std::fputs(CtlUsage().c_str(), stdout);
    return 0;
  }
  if (std::optional<std::string> unknown = UnknownFlag(argc, argv)) {
    std::fprintf(stderr, "loadgenctl: unknown flag %s\n%s", unknown->c_str(), CtlUsage().c_str());
    return 2;
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  const CtlOptions options{.address = absl::GetFlag(FLAGS_address),
                           .targets = absl::GetFlag(FLAGS_targets),
                           .token_file = absl::GetFlag(FLAGS_token_file),
                           .tls_ca = absl::GetFlag(FLAGS_tls_ca),
                           .json = absl::GetFlag(FLAGS_json),
                           .interval = absl::GetFlag(FLAGS_interval),
                           .at = absl::GetFlag(FLAGS_at),
                           .run_time = absl::GetFlag(FLAGS_run_time),
                           .timeout = absl::GetFlag(FLAGS_timeout),
                           .next_phase = absl::GetFlag(FLAGS_next_phase),
                           .rpc_timeout = absl::GetFlag(FLAGS_rpc_timeout),
                           .web_address = absl::GetFlag(FLAGS_web_address),
                           .out = absl::GetFlag(FLAGS_out),
                           .insecure_control = absl::GetFlag(FLAGS_insecure_control)};
  return RunCtl(options, std::vector<std::string>(positional.begin() + 1, positional.end()), stdout,
                stderr);
}

}  // namespace
}  // namespace loadgen

int main(int argc, char** argv) { return loadgen::Main(argc, argv); }
