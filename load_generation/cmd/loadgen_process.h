#ifndef LOAD_GENERATION_CMD_LOADGEN_PROCESS_H_
#define LOAD_GENERATION_CMD_LOADGEN_PROCESS_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "boost/asio/ssl/context.hpp"
#include "load_generation/clock/clock.h"
#include "load_generation/cmd/loadgen_setup.h"
#include "load_generation/control/control_service.h"
#include "load_generation/control/daemon.h"
#include "load_generation/control/locust_api.h"
#include "load_generation/control/shard_set.h"
#include "load_generation/control/web_server.h"
#include "load_generation/report/results.h"

namespace loadgen {

// The running daemon: the run controller, its servers and its result files.
class LoadgenProcess {
 public:
  // Starts the servers and, unless told to wait for a Start call, the run. Unavailable or
  // InvalidArgument (naming the address or file) when a server cannot start.
  static absl::StatusOr<std::unique_ptr<LoadgenProcess>> Start(LoadgenSetup setup);
  ~LoadgenProcess();

  // Takes SIGINT and SIGTERM, prints status lines and each run's phase table, and returns the
  // exit status when the process should end: a batch run is over (0), a signal ended the run
  // (0), a second signal cut the users' grace short (1: their requests in flight are cancelled,
  // the results still written), the last run's thresholds failed (kExitThresholdsFailed, unless
  // cut short), or, before all of those, a result file could not be written (kExitResultsLost).
  int Supervise();

  static constexpr int kExitThresholdsFailed = 3;
  static constexpr int kExitResultsLost = 4;

 private:
  explicit LoadgenProcess(LoadgenSetup setup);

  LoadgenSetup setup_;
  RealClock clock_;
  boost::asio::ssl::context tls_;
  std::optional<ResultsWriter> results_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<DaemonLocust> locust_;
  std::unique_ptr<ShardSet> api_;       // the web UI's way to control_, in process
  std::unique_ptr<WebServer> metrics_;  // --metrics_address: /metrics and /healthz
  std::unique_ptr<WebServer> web_;      // --web_address: Locust's API too
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CMD_LOADGEN_PROCESS_H_
