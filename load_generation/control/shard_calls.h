#ifndef LOAD_GENERATION_CONTROL_SHARD_CALLS_H_
#define LOAD_GENERATION_CONTROL_SHARD_CALLS_H_

// A control call made on every shard of a ShardSet, their answers made one: what the JSON
// routes, the coordinator and the experiments (sweeps) call.

#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "load_generation/control/shard_set.h"
#include "proto/control.pb.h"

namespace loadgen {

template <typename Request, typename Response>
using ShardRpc = grpc::Status (ShardSet::Stub::*)(grpc::ClientContext*, const Request&, Response*);

// Calls `rpc` with `request` on every shard of `set` and makes one answer of theirs. On one
// daemon's own service the call goes through unchanged. On a coordinator's shards: Start and
// Swarm go to the shards that answer a roll call, numbered among them (and a Start without a
// time begins on all at one moment 2 s ahead); status and statistics are asked with their
// histograms, merged exactly over the shards that answer (histograms kept only if asked for);
// any other call must succeed on every shard (the first error, naming its shard); configs and
// applications are the first shard's.
template <typename Request, typename Response>
absl::StatusOr<Response> CallShards(ShardSet& set, ShardRpc<Request, Response> rpc,
                                    const Request& request);

namespace shard_calls_internal {

namespace control = ::pl::demos::load_generation;

void Prepare(control::StartRequest& r, int index, int count);
void Prepare(control::SwarmRequest& r, int index, int count);
void Prepare(control::GetStatusRequest& r, int index, int count);
void Prepare(control::GetStatsRequest& r, int index, int count);
template <typename Request>
void Prepare(Request&, int, int) {}

control::Status Merged(const std::vector<control::Status>& answers, bool histograms);
control::StatsReport Merged(const std::vector<control::StatsReport>& answers, bool histograms);
template <typename Response>
Response Merged(const std::vector<Response>& answers, bool) {
  return answers.front();
}

// A run split over the shards: numbered over those that answer the roll call.
template <typename Request>
bool IsSplit() {
  return std::is_same_v<Request, control::StartRequest> ||
         std::is_same_v<Request, control::SwarmRequest>;
}

// A look leaves out the shards that do not answer; any other call fails with the first.
template <typename Request>
bool IsLook() {
  return std::is_same_v<Request, control::GetStatusRequest> ||
         std::is_same_v<Request, control::GetStatsRequest>;
}

template <typename Request>
bool WantsHistograms(const Request& request) {
  if constexpr (requires { request.histograms(); }) {
    return request.histograms();
  } else {
    return false;
  }
}

}  // namespace shard_calls_internal

template <typename Request, typename Response>
absl::StatusOr<Response> CallShards(ShardSet& set, ShardRpc<Request, Response> rpc,
                                    const Request& request) {
  namespace internal = shard_calls_internal;
  const std::vector<ShardSet::Shard> shards =
      set.sharded() && internal::IsSplit<Request>() ? set.Answering() : set.Shards();
  if (shards.empty()) {
    return absl::UnavailableError(absl::StrCat("no shard answered (", set.options().targets, ")"));
  }
  std::vector<Request> requests(shards.size(), request);
  if (set.sharded()) {
    for (size_t i = 0; i < shards.size(); ++i) {
      internal::Prepare(requests[i], static_cast<int>(i), static_cast<int>(shards.size()));
    }
  }
  const bool look = internal::IsLook<Request>();
  std::vector<Response> responses;
  const std::vector<grpc::Status> statuses =
      set.Ask(shards, rpc, requests, responses,
              look ? set.options().look_timeout : set.options().rpc_timeout);
  std::vector<Response> answered;
  absl::Status first_error;
  for (size_t i = 0; i < shards.size(); ++i) {
    if (statuses[i].ok()) {
      answered.push_back(std::move(responses[i]));
    } else if (first_error.ok()) {
      first_error = FromGrpc(statuses[i], set.sharded() ? shards[i].address + ": " : "");
    }
  }
  if (!first_error.ok() && (!look || answered.empty())) return first_error;
  if (!set.sharded()) return answered.front();
  return internal::Merged(answered, internal::WantsHistograms(request));
}

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_SHARD_CALLS_H_
