#ifndef LOAD_GENERATION_CMD_COORDINATOR_H_
#define LOAD_GENERATION_CMD_COORDINATOR_H_

// The coordinator over shards (`loadgenctl serve`): Locust's master in loadgen's terms. It serves
// Locust's routes for a set of daemons: /swarm, /stop and /stats/reset go to every shard,
// /stats/requests answers with their figures merged exactly (histograms, never averaged
// percentiles) and lists each shard as a worker.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "load_generation/control/locust_api.h"
#include "proto/control.grpc.pb.h"

namespace loadgen {

// The shards `targets` names: a comma-separated list of HOST:PORT, or one HOST:PORT whose host
// name resolves to every shard (a headless Service), sorted. InvalidArgument when it names none.
absl::StatusOr<std::vector<std::string>> ShardAddresses(const std::string& targets);

class Coordinator : public LocustBackend {
 public:
  struct Options {
    std::string targets;  // as ShardAddresses takes them; looked up again on every call
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    std::string token;  // sent to the shards; empty: none
    absl::Duration rpc_timeout = absl::Minutes(5);
    // How long a shard may take to answer a look (View, and the roll call before a swarm)
    // before it counts as missing.
    absl::Duration look_timeout = absl::Seconds(5);
  };
  explicit Coordinator(Options options) : options_(std::move(options)) {}

  // Starts a run on every shard that answers, each told its index among them and their count,
  // so that they split the users and the spawn rate exactly; during a run, sets every shard's
  // user count. Unavailable when no shard answers; a shard's error, naming it, otherwise.
  absl::Status Swarm(const SwarmSettings& settings) override;
  absl::Status Stop() override;
  absl::Status ResetStats() override;
  LocustView View() override;

 private:
  using Stub = ::pl::demos::load_generation::LoadGenerator::Stub;
  struct Shard {
    std::string address;
    Stub* stub;
  };
  // The shards the targets name now. Empty if the name does not resolve.
  std::vector<Shard> Shards();
  // Calls `method` on every shard at once; a status and an answer each.
  template <typename Request, typename Response, typename Method>
  std::vector<grpc::Status> Ask(const std::vector<Shard>& shards, Method method,
                                const std::vector<Request>& requests,
                                std::vector<Response>& responses, absl::Duration timeout);
  // A call every shard should take the same way: the first error, naming its shard.
  template <typename Request, typename Method>
  absl::Status Tell(Method method, const Request& request);

  const Options options_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Stub>> stubs_;  // guarded by mu_; by address
  // Each shard's CPU seconds when last looked at, and when: its cpu_usage since.
  std::map<std::string, std::pair<absl::Time, double>> cpu_seen_;  // guarded by mu_
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CMD_COORDINATOR_H_
