#ifndef LOAD_GENERATION_CONTROL_SHARD_SET_H_
#define LOAD_GENERATION_CONTROL_SHARD_SET_H_

// The daemons that an HTTP face steers together through their control service: the daemon's
// own (in process), or the shards of a coordinator (`loadgenctl serve`). Each call goes to every
// one of them at once.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/control.grpc.pb.h"

namespace loadgen {

// The shards `targets` names: a comma-separated list of HOST:PORT, or one HOST:PORT whose host
// name resolves to every shard (a headless Service), sorted. InvalidArgument when it names none.
absl::StatusOr<std::vector<std::string>> ShardAddresses(const std::string& targets);

// gRPC's status as absl's (the codes are the same numbers), its message after `where`.
absl::Status FromGrpc(const grpc::Status& status, const std::string& where = "");

// Thread-safe.
class ShardSet {
 public:
  using Stub = ::pl::demos::load_generation::LoadGenerator::Stub;
  struct Options {
    // As ShardAddresses takes them; looked up again on every call. Unused with `channel`.
    std::string targets;
    std::shared_ptr<grpc::ChannelCredentials> credentials;  // none: plaintext
    // One daemon through this channel (its own service, in process) instead of targets.
    std::shared_ptr<grpc::Channel> channel;
    std::string token;  // sent with every call; empty: none
    absl::Duration rpc_timeout = absl::Minutes(5);
    // How long a shard may take to answer a look (status, statistics) before it counts as
    // missing.
    absl::Duration look_timeout = absl::Seconds(5);
  };
  struct Shard {
    std::string address;  // "local" for the daemon's own
    Stub* stub;
  };

  explicit ShardSet(Options options);

  const Options& options() const { return options_; }
  // A coordinator's shards, which it numbers and splits runs over; false for one daemon's own
  // service, whose calls go through unchanged.
  bool sharded() const { return options_.channel == nullptr; }
  // The shards now. Empty if the targets' name does not resolve.
  std::vector<Shard> Shards();
  // The roll call before a run is split over the shards: those that answer within the look
  // timeout.
  std::vector<Shard> Answering();

  // Calls `method` on every shard at once, the ith with requests[i]; a status and an answer each.
  template <typename Request, typename Response, typename Method>
  std::vector<grpc::Status> Ask(const std::vector<Shard>& shards, Method method,
                                const std::vector<Request>& requests,
                                std::vector<Response>& responses, absl::Duration timeout) const;

 private:
  const Options options_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Stub>> stubs_;  // guarded by mu_; by address
};

template <typename Request, typename Response, typename Method>
std::vector<grpc::Status> ShardSet::Ask(const std::vector<Shard>& shards, Method method,
                                        const std::vector<Request>& requests,
                                        std::vector<Response>& responses,
                                        absl::Duration timeout) const {
  std::vector<grpc::Status> statuses(shards.size());
  responses.assign(shards.size(), Response());
  auto call = [&](size_t i) {
    grpc::ClientContext context;
    if (!options_.token.empty()) context.AddMetadata("authorization", "Bearer " + options_.token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    statuses[i] = (shards[i].stub->*method)(&context, requests[i], &responses[i]);
  };
  if (shards.size() == 1) {
    call(0);
    return statuses;
  }
  std::vector<std::thread> threads;
  for (size_t i = 0; i < shards.size(); ++i) threads.emplace_back(call, i);
  for (std::thread& t : threads) t.join();
  return statuses;
}

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_SHARD_SET_H_
