#include "load_generation/cmd/coordinator.h"

#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "load_generation/control/shard_calls.h"
#include "load_generation/control/shard_merge.h"

namespace loadgen {

using Stub = ShardSet::Stub;
using Shard = ShardSet::Shard;

absl::Status Coordinator::Swarm(const SwarmSettings& settings) {
  control::SwarmRequest request;
  request.set_user_count(settings.user_count);
  request.set_spawn_rate(settings.spawn_rate);
  request.set_host(settings.host);
  request.set_run_time_s(absl::ToDoubleSeconds(settings.run_time));
  for (const std::string& name : settings.user_classes) request.add_user_classes(name);
  return CallShards(shards_, &Stub::Swarm, request).status();
}

absl::Status Coordinator::Stop() {
  return CallShards(shards_, &Stub::Stop, control::StopRequest()).status();
}

absl::Status Coordinator::ResetStats() {
  return CallShards(shards_, &Stub::ResetStats, control::ResetStatsRequest()).status();
}

LocustView Coordinator::View() {
  const std::vector<Shard> shards = shards_.Shards();
  const absl::Duration timeout = shards_.options().look_timeout;
  control::GetStatusRequest status_request;
  status_request.set_histograms(true);
  control::GetStatsRequest stats_request;
  stats_request.set_histograms(true);
  std::vector<control::Status> statuses;
  std::vector<control::StatsReport> reports;
  std::vector<grpc::Status> asked_status, asked_stats;
  std::thread stats_thread([&] {
    asked_stats = shards_.Ask(shards, &Stub::GetStats,
                              std::vector<control::GetStatsRequest>(shards.size(), stats_request),
                              reports, timeout);
  });
  asked_status = shards_.Ask(shards, &Stub::GetStatus,
                             std::vector<control::GetStatusRequest>(shards.size(), status_request),
                             statuses, timeout);
  stats_thread.join();

  LocustView view;
  view.workers.emplace();
  std::vector<control::Status> answered_status;
  std::vector<control::StatsReport> answered_stats;
  const absl::Time now = absl::Now();
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < shards.size(); ++i) {
    LocustWorker worker{.id = shards[i].address, .state = "missing"};
    if (asked_status[i].ok() && asked_stats[i].ok()) {
      const control::Status& s = statuses[i];
      worker.state = LocustState(s);
      worker.user_count = LocustUserCount(s);
      worker.memory_usage = s.process_resident_bytes();
      auto [seen, fresh] = cpu_seen_.try_emplace(shards[i].address, now, s.process_cpu_seconds());
      if (!fresh && now > seen->second.first) {
        worker.cpu_usage = 100 * (s.process_cpu_seconds() - seen->second.second) /
                           absl::ToDoubleSeconds(now - seen->second.first);
        seen->second = {now, s.process_cpu_seconds()};
      }
      answered_status.push_back(s);
      answered_stats.push_back(reports[i]);
    }
    view.workers->push_back(std::move(worker));
  }
  if (!answered_status.empty()) {
    view.status = MergeStatus(answered_status);
    view.total = MergeStats(answered_stats).total();
  }
  view.total.mutable_aggregated()->set_name("Aggregated");
  return view;
}

}  // namespace loadgen
