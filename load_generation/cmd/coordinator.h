#ifndef LOAD_GENERATION_CMD_COORDINATOR_H_
#define LOAD_GENERATION_CMD_COORDINATOR_H_

// The coordinator over shards (`loadgenctl serve`): Locust's master in loadgen's terms. It serves
// Locust's routes for a set of daemons: /swarm, /stop and /stats/reset go to every shard,
// /stats/requests answers with their figures merged exactly (histograms, never averaged
// percentiles) and lists each shard as a worker.

#include <map>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "load_generation/control/locust_api.h"
#include "load_generation/control/shard_set.h"

namespace loadgen {

class Coordinator : public LocustBackend {
 public:
  // Steers and watches `shards` (not owned), which must be sharded().
  explicit Coordinator(ShardSet& shards) : shards_(shards) {}

  // Starts a run on every shard that answers, each told its index among them and their count,
  // so that they split the users and the spawn rate exactly; during a run, sets every shard's
  // user count. Unavailable when no shard answers; a shard's error, naming it, otherwise (see
  // CallShards).
  absl::Status Swarm(const SwarmSettings& settings) override;
  absl::Status Stop() override;
  absl::Status ResetStats() override;
  LocustView View() override;

 private:
  ShardSet& shards_;
  std::mutex mu_;
  // Each shard's CPU seconds when last looked at, and when: its cpu_usage since.
  std::map<std::string, std::pair<absl::Time, double>> cpu_seen_;  // guarded by mu_
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CMD_COORDINATOR_H_
