#ifndef LOAD_GENERATION_CMD_LOADGEN_SETUP_H_
#define LOAD_GENERATION_CMD_LOADGEN_SETUP_H_

// The daemon's command line turned into what it runs with, every flag checked before anything
// starts.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "load_generation/behavior/run_config.h"
#include "load_generation/control/control_service.h"
#include "load_generation/control/daemon.h"
#include "load_generation/http/host_port.h"
#include "load_generation/report/results.h"

namespace loadgen {

// The flags as given (see loadgen_main.cc for their help), with their defaults.
struct LoadgenFlags {
  std::string config = "load.pbtxt";
  bool config_given = false;  // on the command line, not the default
  std::string config_dir;     // empty: the directory of `config`
  std::string application;
  std::string host;
  int threads = 0;
  int busy_poll_us = 0;
  uint64_t seed = 0;
  absl::Duration run_time;
  bool check = false;
  absl::Duration status_interval = absl::Seconds(5);
  bool tls_verify = true;
  std::string grpc_address = "127.0.0.1:50051";
  bool grpc_address_given = false;  // on the command line, not the default
  std::string control_token_file;
  bool insecure_control = false;
  std::string grpc_tls_cert;
  std::string grpc_tls_key;
  std::string csv;
  std::string html;
  std::string junit;
  std::string metrics_address;
  std::string web_address;
  int shard_count = 1;
  int shard_index = -1;
  bool wait_for_start = false;
  // Locust's flags: one phase of `users` users (-1: the config's phases).
  int users = -1;
  double spawn_rate = 1;
  std::string user_types;  // "Stochastic" or "Normal:1,Weekend:2"
};

// What the daemon learns from where it runs.
struct LoadgenEnvironment {
  std::optional<std::string> job_completion_index;  // $JOB_COMPLETION_INDEX (an Indexed Job)
  std::optional<std::string> hostname;              // $HOSTNAME (a StatefulSet's pod-N)
  int cores = 1;
  absl::Time now;  // seeds the users when --seed is 0

  static LoadgenEnvironment OfThisProcess();
};

// Everything the daemon runs with.
struct LoadgenSetup {
  RunConfig run;
  DaemonOptions daemon;          // without the TLS context and the listener, which the process owns
  ControlServerOptions control;  // address empty: no control service
  // A batch run on the default address takes any free port when that one is in use.
  bool control_port_may_move = false;
  std::optional<HostPort> metrics;
  std::optional<HostPort> web;  // Locust's API, with /metrics and /healthz
  ResultsOptions results;
  absl::Duration run_time;
  absl::Duration status_interval;
  bool check = false;
  bool wait_for_start = false;
};

// Checks the flags, reads the config, the token file and the pod's shard index. InvalidArgument
// naming the flag (or the config's place) for anything wrong.
absl::StatusOr<LoadgenSetup> MakeSetup(const LoadgenFlags& flags, const LoadgenEnvironment& env);

// --check's answer: "PATH: valid: N phases, user types A, B (application X), config DIGEST".
std::string CheckSummary(const LoadgenSetup& setup);

// The line the daemon starts with: "PATH: application X, N phases, T threads, seed S".
std::string StartLine(const LoadgenSetup& setup);

}  // namespace loadgen

#endif  // LOAD_GENERATION_CMD_LOADGEN_SETUP_H_
