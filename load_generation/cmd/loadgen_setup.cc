#include "load_generation/cmd/loadgen_setup.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "load_generation/config/config.h"
#include "load_generation/config/file_root.h"
#include "load_generation/control/swarm.h"
#include "load_generation/http/target.h"

namespace loadgen {
namespace {

// This daemon's index among shards: --shard_index, else the pod's, an Indexed Job's
// JOB_COMPLETION_INDEX or the ordinal a StatefulSet puts at the end of the host name; -1 if
// none gives one. `source` says where it came from.
int PodIndex(int flag, const LoadgenEnvironment& env, std::string* source) {
  int index = flag;
  *source = "--shard_index";
  if (index >= 0) return index;
  if (env.job_completion_index && !env.job_completion_index->empty()) {
    *source = "JOB_COMPLETION_INDEX";
    if (!absl::SimpleAtoi(*env.job_completion_index, &index) || index < 0) index = -1;
  } else if (env.hostname) {
    *source = absl::StrCat("the ordinal of HOSTNAME=", *env.hostname);
    const absl::string_view name(*env.hostname);
    const size_t dash = name.rfind('-');
    if (dash == absl::string_view::npos || !absl::SimpleAtoi(name.substr(dash + 1), &index) ||
        index < 0) {
      index = -1;
    }
  }
  return index;
}

// The shard index for --shard_count=`count`.
absl::StatusOr<int> ShardIndex(int flag, int count, const LoadgenEnvironment& env) {
  if (flag < 0 && count == 1) return 0;
  std::string source;
  const int index = PodIndex(flag, env, &source);
  if (index < 0 || index >= count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "with --shard_count=", count, " the shard index must be in 0..", count - 1, "; ", source,
        index < 0 ? " does not give one" : absl::StrCat(" gives ", index)));
  }
  return index;
}

absl::StatusOr<std::string> Token(const std::string& file) {
  if (file.empty()) return std::string();
  absl::StatusOr<std::string> token = ReadFileToString(file);
  if (!token.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read --control_token_file ", file, ": ", token.status().message()));
  }
  std::string stripped(absl::StripAsciiWhitespace(*token));
  if (stripped.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--control_token_file ", file, " holds no token"));
  }
  return stripped;
}

std::string ApplicationName(const LoadgenSetup& setup) {
  return setup.run.application.empty() ? "none" : setup.run.application;
}

}  // namespace

LoadgenEnvironment LoadgenEnvironment::OfThisProcess() {
  LoadgenEnvironment env;
  if (const char* index = std::getenv("JOB_COMPLETION_INDEX")) env.job_completion_index = index;
  if (const char* host = std::getenv("HOSTNAME")) env.hostname = host;
  env.cores = std::max(1u, std::thread::hardware_concurrency());
  env.now = absl::Now();
  return env;
}

namespace {

// The config the daemon starts with: --config's, or with --users one phase made from it (see
// SwarmConfig), or from the application's user types when no config file is named or found.
absl::StatusOr<RunConfig> LaunchConfig(const LoadgenFlags& flags) {
  if (flags.users < 0) return LoadRunConfig(flags.config, flags.application);
  struct stat info {};
  const bool no_file = !flags.config_given && stat(flags.config.c_str(), &info) != 0;
  RunConfig base;
  base.path = "--users";
  if (!no_file) {
    absl::StatusOr<RunConfig> loaded = LoadRunConfig(flags.config, flags.application);
    if (!loaded.ok()) return loaded.status();
    base = *std::move(loaded);
  } else if (flags.application.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--users with no config file (", flags.config,
                     " is not there) needs --application to know the user types"));
  }
  SwarmSettings settings{.user_count = flags.users, .spawn_rate = flags.spawn_rate};
  settings.user_classes = absl::StrSplit(flags.user_types, ',', absl::SkipWhitespace());
  if (settings.user_classes.empty() && no_file) {
    settings.user_classes = BehaviorRegistry::Global().UserTypes(flags.application);
  }
  absl::StatusOr<LoadConfig> swarm = SwarmConfig(base.config, settings);
  if (!swarm.ok())
    return absl::InvalidArgumentError(absl::StrCat("--users: ", swarm.status().message()));
  return ResolveRunConfig(*std::move(swarm), base.path, flags.application,
                          {.dir = DirectoryOf(flags.config)});
}

}  // namespace

absl::StatusOr<LoadgenSetup> MakeSetup(const LoadgenFlags& flags, const LoadgenEnvironment& env) {
  LoadgenSetup setup;
  absl::StatusOr<RunConfig> run = LaunchConfig(flags);
  if (!run.ok()) return run.status();
  setup.run = *std::move(run);
  if (!flags.host.empty()) {
    if (absl::StatusOr<HttpTarget> target = ParseHttpTarget(flags.host); !target.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--host: ", target.status().message()));
    }
  }
  setup.check = flags.check;
  if (flags.check) return setup;

  if (flags.run_time < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--run_time must not be negative");
  }
  if (flags.threads < 0 || flags.threads > 1024) {
    return absl::InvalidArgumentError("--threads must be in 0..1024");
  }
  if (flags.busy_poll_us < 0 || flags.busy_poll_us > 1000000) {
    return absl::InvalidArgumentError("--busy_poll_us must be in 0..1000000");
  }
  if (flags.shard_count < 1 || flags.shard_count > 10000) {
    return absl::InvalidArgumentError("--shard_count must be in 1..10000");
  }
  absl::StatusOr<int> shard_index = ShardIndex(flags.shard_index, flags.shard_count, env);
  if (!shard_index.ok()) return shard_index.status();
  setup.daemon = DaemonOptions{
      .application = flags.application,
      .host = flags.host,
      .config_dir = flags.config_dir.empty() ? DirectoryOf(flags.config) : flags.config_dir,
      .threads = flags.threads == 0 ? std::max(env.cores, 1) : flags.threads,
      .busy_poll = absl::Microseconds(flags.busy_poll_us),
      .seed = flags.seed != 0 ? flags.seed : static_cast<uint64_t>(absl::ToUnixNanos(env.now)) | 1,
      .tls_verify = flags.tls_verify,
      .shard_index = *shard_index,
      .shard_count = flags.shard_count};
  std::string source;
  if (const int pod = PodIndex(flags.shard_index, env, &source); pod >= 0) {
    setup.daemon.pod_index = pod;
  }

  if (struct stat info{};
      stat(setup.daemon.config_dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--config_dir ", setup.daemon.config_dir, " is not a directory"));
  }
  absl::StatusOr<std::string> token = Token(flags.control_token_file);
  if (!token.ok()) return token.status();
  // Whoever reaches a control face can start load against any target.
  const auto control_face = [&](const std::string& flag,
                                const std::string& value) -> absl::StatusOr<HostPort> {
    absl::StatusOr<HostPort> address = ParseHostPort(value, flag);
    if (!address.ok()) return address.status();
    if (!address->IsLoopback() && token->empty() && !flags.insecure_control) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, "=", value,
          " lets other machines steer this daemon: give --control_token_file (callers then need "
          "the token), or --insecure_control to allow anyone who can reach the port"));
    }
    return address;
  };
  if (!flags.grpc_address.empty()) {
    absl::StatusOr<HostPort> address = control_face("--grpc_address", flags.grpc_address);
    if (!address.ok()) return address.status();
  }
  if (!flags.web_address.empty()) {
    absl::StatusOr<HostPort> address = control_face("--web_address", flags.web_address);
    if (!address.ok()) return address.status();
    setup.web = *address;
  }
  setup.control = ControlServerOptions{.address = flags.grpc_address,
                                       .token = *std::move(token),
                                       .tls_cert_file = flags.grpc_tls_cert,
                                       .tls_key_file = flags.grpc_tls_key};
  setup.wait_for_start = flags.wait_for_start;
  setup.control_port_may_move = !flags.grpc_address_given && !flags.wait_for_start;
  if (setup.wait_for_start && setup.control.address.empty() && !setup.web) {
    return absl::InvalidArgumentError(
        "--wait_for_start needs a control face to start from: set --grpc_address or "
        "--web_address");
  }
  if (!flags.metrics_address.empty()) {
    absl::StatusOr<HostPort> metrics = ParseHostPort(flags.metrics_address, "--metrics_address");
    if (!metrics.ok()) return metrics.status();
    setup.metrics = *metrics;
  }
  setup.results =
      ResultsOptions{.csv_prefix = flags.csv, .html_path = flags.html, .junit_path = flags.junit};
  if (absl::Status writable = CheckResultsOptions(setup.results); !writable.ok()) return writable;
  setup.run_time = flags.run_time;
  setup.status_interval = flags.status_interval;
  return setup;
}

std::string CheckSummary(const LoadgenSetup& setup) {
  return absl::StrFormat("%s: valid: %d phases, user types %s (application %s), config %s",
                         setup.run.path, setup.run.config.phases_size(),
                         absl::StrJoin(setup.run.UserTypes(), ", "), ApplicationName(setup),
                         ConfigDigest(setup.run.config));
}

std::string StartLine(const LoadgenSetup& setup) {
  const DaemonOptions& d = setup.daemon;
  return absl::StrFormat(
      "%s: application %s, %d phases, %d threads, seed %d%s", setup.run.path,
      ApplicationName(setup), setup.run.config.phases_size(), d.threads, d.seed,
      d.shard_count > 1 ? absl::StrCat(", shard ", d.shard_index, " of ", d.shard_count) : "");
}

}  // namespace loadgen
