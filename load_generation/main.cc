// loadgen: the phased load generator daemon. See README.md.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boost/asio/ssl/context.hpp"
#include "load_generation/config.h"
#include "load_generation/engine.h"
#include "load_generation/report.h"
#include "load_generation/run_config.h"

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

namespace loadgen {
namespace {

constexpr int kExitBadInput = 2;

int Fail(const absl::Status& status, int code) {
  std::fprintf(stderr, "loadgen: %.*s\n", static_cast<int>(status.message().size()),
               status.message().data());
  return code;
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

  std::string host = absl::GetFlag(FLAGS_host);
  if (host.empty()) host = config->host();
  if (host.empty()) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
                    path, ": no target: set `host` in the config or pass --host=http://HOST:PORT")),
                kExitBadInput);
  }
  absl::StatusOr<HttpTarget> target = ParseHttpTarget(host);
  if (!target.ok()) return Fail(target.status(), kExitBadInput);

  absl::Duration run_time = absl::GetFlag(FLAGS_run_time);
  if (run_time < absl::ZeroDuration()) {
    return Fail(absl::InvalidArgumentError("--run_time must not be negative"), kExitBadInput);
  }
  if (run_time == absl::ZeroDuration()) run_time = absl::Seconds(config->run_time_s());
  int threads = absl::GetFlag(FLAGS_threads);
  if (threads < 0 || threads > 1024) {
    return Fail(absl::InvalidArgumentError("--threads must be in 0..1024"), kExitBadInput);
  }
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  uint64_t seed = absl::GetFlag(FLAGS_seed);
  if (seed == 0) seed = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) | 1;

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

  RealClock clock;
  EngineOptions options{.threads = threads,
                        .seed = seed,
                        .http = {.target = *target,
                                 .connect_timeout = ConnectTimeout(*config),
                                 .request_timeout = RequestTimeout(*config),
                                 .tls_context = &tls,
                                 .tls_verify = absl::GetFlag(FLAGS_tls_verify)},
                        .stop_timeout = StopTimeout(*config)};
  Engine engine(*config, options, run->Behaviors(), clock);
  const absl::Time start = clock.Now();
  engine.Start(start, run_time > absl::ZeroDuration() ? start + run_time : absl::InfiniteFuture());
  std::fprintf(stderr,
               "loadgen: %s against %s: application %s, %d phases, %d threads, seed %llu%s\n",
               path.c_str(), target->Url().c_str(), application.c_str(), config->phases_size(),
               threads, static_cast<unsigned long long>(seed),
               run_time > absl::ZeroDuration()
                   ? absl::StrCat(", run time ", absl::FormatDuration(run_time)).c_str()
                   : "");

  const absl::Duration interval = absl::GetFlag(FLAGS_status_interval);
  RecentStats recent;
  absl::Time last_sample = start, last_status = start;
  recent.AddSample(start, RequestStats());
  int signals_seen = 0;
  while (!engine.done()) {
    const timespec timeout = absl::ToTimespec(absl::Milliseconds(200));
    const int signal = sigtimedwait(&signals, nullptr, &timeout);
    if (signal > 0) {
      if (++signals_seen > 1) {
        std::fprintf(stderr, "loadgen: second signal, exiting at once\n");
        return 1;
      }
      std::fprintf(stderr, "loadgen: %s, stopping (users finish their task)\n", strsignal(signal));
      engine.Stop();
    }
    const absl::Time now = clock.Now();
    if (interval <= absl::ZeroDuration() || engine.done()) continue;
    if (now - last_sample >= absl::Seconds(1)) {
      recent.AddSample(now, engine.stats().Total().Total());
      last_sample = now;
    }
    if (now - last_status >= interval) {
      std::fprintf(stderr, "%s\n",
                   FormatStatusLine(now - start, engine.Status(), recent.Current(),
                                    engine.stats().Current(now).stats.Total())
                       .c_str());
      last_status = now;
    }
  }

  std::printf(
      "%s", FormatPhaseTable(PhaseRows(engine.stats().Completed(), engine.stats().Total().Total()))
                .c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace loadgen

int main(int argc, char** argv) { return loadgen::Main(argc, argv); }
