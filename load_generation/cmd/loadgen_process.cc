#include "load_generation/cmd/loadgen_process.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "load_generation/report/report.h"
#include "load_generation/report/thresholds.h"
#include "load_generation/runtime/thresholds.h"

namespace loadgen {
namespace {

// SIGINT and SIGTERM, which Supervise alone takes.
sigset_t StopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

}  // namespace

LoadgenProcess::LoadgenProcess(LoadgenSetup setup)
    : setup_(std::move(setup)), tls_(boost::asio::ssl::context::tls_client) {}

LoadgenProcess::~LoadgenProcess() {
  if (control_) control_->Shutdown();
}

absl::StatusOr<std::unique_ptr<LoadgenProcess>> LoadgenProcess::Start(LoadgenSetup setup) {
  // Signals are taken by Supervise's thread alone, with sigtimedwait, so block them in every
  // thread, from here on.
  const sigset_t signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<LoadgenProcess> p(new LoadgenProcess(std::move(setup)));
  LoadgenSetup& s = p->setup_;
  p->tls_.set_default_verify_paths();
  p->tls_.set_verify_mode(s.daemon.tls_verify ? boost::asio::ssl::verify_peer
                                              : boost::asio::ssl::verify_none);
  if (!s.results.csv_prefix.empty() || !s.results.html_path.empty() ||
      !s.results.junit_path.empty()) {
    p->results_.emplace(s.results);
  }
  DaemonOptions options = s.daemon;
  options.tls_context = &p->tls_;
  options.listener = p->results_ ? &*p->results_ : nullptr;
  std::fprintf(stderr, "loadgen: %s\n", StartLine(s).c_str());
  p->daemon_ = std::make_unique<Daemon>(s.run, options, p->clock_);

  // The web UI steers the daemon through its control service; with no --grpc_address that
  // service takes calls from this process only.
  if (!s.control.address.empty() || s.web) {
    absl::StatusOr<std::unique_ptr<ControlServer>> server =
        ControlServer::Start(*p->daemon_, s.control);
    if (!server.ok() && server.status().code() == absl::StatusCode::kUnavailable &&
        s.control_port_may_move) {
      const std::string taken = s.control.address;
      s.control.address = taken.substr(0, taken.rfind(':')) + ":0";
      server = ControlServer::Start(*p->daemon_, s.control);
      if (server.ok()) {
        std::fprintf(stderr, "loadgen: %s is in use (another loadgen?); taking any free port\n",
                     taken.c_str());
      }
    }
    if (!server.ok()) {
      return absl::Status(server.status().code(),
                          absl::StrCat(server.status().message(),
                                       "; --grpc_address=127.0.0.1:0 takes any free port, "
                                       "--grpc_address= serves none"));
    }
    p->control_ = *std::move(server);
  }
  if (!s.control.address.empty()) {
    const size_t colon = s.control.address.rfind(':');
    std::fprintf(stderr, "loadgen: control service on %s:%d%s%s\n",
                 s.control.address.substr(0, colon).c_str(), p->control_->port(),
                 s.control.tls_cert_file.empty() ? "" : " (TLS)",
                 s.control.token.empty() ? "" : " (token required)");
  }
  if (s.metrics) {
    absl::StatusOr<std::unique_ptr<WebServer>> server =
        WebServer::Start({.address = s.metrics->ToString(),
                          .flag = "--metrics_address",
                          .metrics = p->daemon_.get()});
    if (!server.ok()) return server.status();
    p->metrics_ = *std::move(server);
    std::fprintf(stderr, "loadgen: metrics on http://%s/metrics\n",
                 HostPort{s.metrics->host, p->metrics_->port()}.ToString().c_str());
  }
  if (s.web) {
    p->locust_ = std::make_unique<DaemonLocust>(*p->daemon_);
    p->api_ = std::make_unique<ShardSet>(
        ShardSet::Options{.channel = p->control_->InProcessChannel(), .token = s.control.token});
    absl::StatusOr<std::unique_ptr<WebServer>> server =
        WebServer::Start({.address = s.web->ToString(),
                          .metrics = p->daemon_.get(),
                          .locust = p->locust_.get(),
                          .api = p->api_.get(),
                          .token = ControlToken(s.control.token)});
    if (!server.ok()) return server.status();
    p->web_ = *std::move(server);
    std::fprintf(stderr, "loadgen: web UI and Locust's HTTP API on http://%s%s\n",
                 HostPort{s.web->host, p->web_->port()}.ToString().c_str(),
                 s.control.token.empty() ? "" : " (token required)");
  }
  // A run started here and bounded by a run time or loops ends the process when it is over.
  if (s.wait_for_start) {
    std::fprintf(stderr, "loadgen: waiting for a Start call%s\n", s.web ? " or a /swarm" : "");
  } else if (absl::Status started =
                 p->daemon_->Start(std::nullopt, p->clock_.Now(), s.run_time, {});
             !started.ok()) {
    return started;
  }
  return p;
}

int LoadgenProcess::Supervise() {
  const sigset_t signals = StopSignals();
  const absl::Duration interval = setup_.status_interval;
  absl::Time last_status = clock_.Now();
  int64_t runs_seen = 0;
  bool run_under_way = false;
  std::thread stopper;             // stops the run after a signal, while this thread waits for more
  bool cut = false;                // a second signal cut the users' grace
  bool thresholds_failed = false;  // in the last run that ended
  while (true) {
    const timespec timeout = absl::ToTimespec(absl::Milliseconds(200));
    const int signal = sigtimedwait(&signals, nullptr, &timeout);
    if (signal > 0 && !stopper.joinable()) {
      std::fprintf(stderr,
                   "loadgen: %s, stopping (users finish their task; a second signal cuts them "
                   "short)\n",
                   strsignal(signal));
      stopper = std::thread(
          [this] { daemon_->Stop(std::nullopt).IgnoreError(); });  // idle: nothing to stop
    } else if (signal > 0 && !cut) {
      cut = true;
      std::fprintf(stderr,
                   "loadgen: second signal, cancelling the requests in flight; the results are "
                   "still written\n");
      daemon_->CutStop();
    } else if (signal > 0) {
      std::fprintf(stderr, "loadgen: writing the results, which no signal cuts short\n");
    }
    daemon_->Tick();
    const RunPosition position = daemon_->Position();
    if (control_) control_->UpdateHealth(position.state);
    if (position.run_number > runs_seen) {
      runs_seen = position.run_number;
      run_under_way = true;
      const DaemonStatus status = daemon_->Status();
      std::fprintf(stderr, "loadgen: run %lld: %s (config %s) against %s\n",
                   static_cast<long long>(position.run_number), status.config_source.c_str(),
                   status.config_digest.c_str(), status.target.c_str());
    }
    const absl::Time now = clock_.Now();
    if (position.state == RunState::kIdle && run_under_way) {
      run_under_way = false;
      const StatsSnapshot stats = daemon_->Stats();
      std::printf("%s", FormatPhaseTable(PhaseRows(stats.completed, stats.total.Total())).c_str());
      const std::vector<ThresholdResult> thresholds = daemon_->Status().thresholds;
      if (!thresholds.empty()) std::printf("%s", FormatThresholdTable(thresholds).c_str());
      thresholds_failed = !AllPassed(thresholds);
      std::fflush(stdout);
      const bool batch_run_over =
          !setup_.wait_for_start && position.run_number == 1 && !position.stopped_by_call;
      if (batch_run_over) break;
    }
    if (stopper.joinable() && position.state == RunState::kIdle) break;
    if (interval > absl::ZeroDuration() && position.state != RunState::kIdle &&
        now - last_status >= interval) {
      std::fprintf(stderr, "%s\n", FormatStatusLine(StatusLineOf(daemon_->Status())).c_str());
      last_status = now;
    }
  }
  if (stopper.joinable()) stopper.join();
  if (control_) control_->Shutdown();
  if (results_ && results_->lost_results()) return kExitResultsLost;
  if (cut) return 1;
  return thresholds_failed ? kExitThresholdsFailed : 0;
}

}  // namespace loadgen
