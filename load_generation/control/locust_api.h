#ifndef LOAD_GENERATION_CONTROL_LOCUST_API_H_
#define LOAD_GENERATION_CONTROL_LOCUST_API_H_

// Locust's HTTP API (/swarm, /stop, /stats/reset, /stats/requests and their CSV and exception
// routes), with Locust's request and response shapes, over one daemon or a coordinator's
// shards: scripts written against Locust's master drive loadgen unchanged.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "load_generation/control/run_control.h"
#include "load_generation/control/swarm.h"
#include "load_generation/http/http_server.h"
#include "proto/control.pb.h"

namespace loadgen {

namespace control = ::pl::demos::load_generation;

// A shard, as Locust's master lists a worker.
struct LocustWorker {
  std::string id;     // its address
  std::string state;  // LocustState, or "missing" when it did not answer
  int user_count = 0;
  double cpu_usage = 0;      // percent of a core since the last look
  int64_t memory_usage = 0;  // resident bytes
};

// What Locust's routes show, as of now.
struct LocustView {
  control::Status status;  // merged over the shards on a coordinator
  // The figures since the run began or the last reset, with histograms and current rates:
  // StatsReport.total, merged over the shards on a coordinator.
  control::PhaseStats total;
  std::optional<std::vector<LocustWorker>> workers;  // a coordinator's shards
};

// What Locust's routes steer and show: one daemon, or a coordinator over shards.
class LocustBackend {
 public:
  virtual ~LocustBackend() = default;
  // See RunControl::Swarm. The message of an error is shown to the caller.
  virtual absl::Status Swarm(const SwarmSettings& settings) = 0;
  virtual absl::Status Stop() = 0;
  virtual absl::Status ResetStats() = 0;
  virtual LocustView View() = 0;
};

// Locust's name for where a daemon is: "ready" (no run yet), "spawning" (users still starting),
// "running" (paused included), "stopping", "stopped" (idle after a run).
std::string LocustState(const control::Status& status);
// The users running now, all types together: Locust's user_count.
int LocustUserCount(const control::Status& status);

// The answer to a request for one of Locust's routes; none for another path.
std::optional<ServerResponse> ServeLocust(LocustBackend& backend, const ServerRequest& request);

// One daemon's runs as Locust's routes see them.
class DaemonLocust : public LocustBackend {
 public:
  explicit DaemonLocust(RunControl& control) : control_(control) {}
  absl::Status Swarm(const SwarmSettings& settings) override;
  absl::Status Stop() override;
  absl::Status ResetStats() override;
  LocustView View() override;

 private:
  RunControl& control_;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_LOCUST_API_H_
