#include "load_generation/cmd/coordinator.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "load_generation/control/shard_merge.h"

namespace loadgen {
namespace {

absl::Status FromGrpc(const grpc::Status& status) {
  // gRPC's codes and absl's are the same numbers.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ShardAddresses(const std::string& targets) {
  std::vector<std::string> list = absl::StrSplit(targets, ',', absl::SkipWhitespace());
  if (list.empty()) return absl::InvalidArgumentError("--targets names no shard");
  if (list.size() != 1) return list;
  const std::string& target = list[0];
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--targets=", targets, ": give HOST:PORT"));
  }
  std::string host = target.substr(0, colon);
  const std::string port = target.substr(colon + 1);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int error = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); error != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--targets=", targets, ": ", gai_strerror(error)));
  }
  std::set<std::string> addresses;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char ip[INET6_ADDRSTRLEN] = "";
    const void* where =
        a->ai_family == AF_INET6
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    inet_ntop(a->ai_family, where, ip, sizeof(ip));
    addresses.insert(a->ai_family == AF_INET6 ? absl::StrCat("[", ip, "]:", port)
                                              : absl::StrCat(ip, ":", port));
  }
  freeaddrinfo(found);
  return std::vector<std::string>(addresses.begin(), addresses.end());
}

std::vector<Coordinator::Shard> Coordinator::Shards() {
  absl::StatusOr<std::vector<std::string>> addresses = ShardAddresses(options_.targets);
  std::vector<Shard> shards;
  if (!addresses.ok()) return shards;
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& address : *addresses) {
    std::unique_ptr<Stub>& stub = stubs_[address];
    if (!stub) {
      stub = ::pl::demos::load_generation::LoadGenerator::NewStub(
          grpc::CreateChannel(address, options_.credentials));
    }
    shards.push_back({address, stub.get()});
  }
  return shards;
}

template <typename Request, typename Response, typename Method>
std::vector<grpc::Status> Coordinator::Ask(const std::vector<Shard>& shards, Method method,
                                           const std::vector<Request>& requests,
                                           std::vector<Response>& responses,
                                           absl::Duration timeout) {
  std::vector<grpc::Status> statuses(shards.size());
  responses.assign(shards.size(), Response());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < shards.size(); ++i) {
    threads.emplace_back([&, i] {
      grpc::ClientContext context;
      if (!options_.token.empty()) context.AddMetadata("authorization", "Bearer " + options_.token);
      context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
      statuses[i] = (shards[i].stub->*method)(&context, requests[i], &responses[i]);
    });
  }
  for (std::thread& t : threads) t.join();
  return statuses;
}

template <typename Request, typename Method>
absl::Status Coordinator::Tell(Method method, const Request& request) {
  const std::vector<Shard> shards = Shards();
  std::vector<control::Status> responses;
  const std::vector<grpc::Status> statuses =
      Ask(shards, method, std::vector<Request>(shards.size(), request), responses,
          options_.rpc_timeout);
  for (size_t i = 0; i < shards.size(); ++i) {
    if (!statuses[i].ok()) {
      const absl::Status error = FromGrpc(statuses[i]);
      return absl::Status(error.code(), absl::StrCat(shards[i].address, ": ", error.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status Coordinator::Swarm(const SwarmSettings& settings) {
  // The roll call: the shards that answer split the run.
  const std::vector<Shard> all = Shards();
  std::vector<control::Status> statuses;
  const std::vector<grpc::Status> answers =
      Ask(all, &Stub::GetStatus, std::vector<control::GetStatusRequest>(all.size()), statuses,
          options_.look_timeout);
  std::vector<Shard> shards;
  for (size_t i = 0; i < all.size(); ++i) {
    if (answers[i].ok()) shards.push_back(all[i]);
  }
  if (shards.empty()) {
    return absl::UnavailableError(absl::StrCat("no shard answered (", options_.targets, ")"));
  }
  std::vector<control::SwarmRequest> requests(shards.size());
  for (size_t i = 0; i < shards.size(); ++i) {
    control::SwarmRequest& r = requests[i];
    r.set_user_count(settings.user_count);
    r.set_spawn_rate(settings.spawn_rate);
    r.set_host(settings.host);
    r.set_run_time_s(absl::ToDoubleSeconds(settings.run_time));
    for (const std::string& name : settings.user_classes) r.add_user_classes(name);
    r.set_shard_count(static_cast<int>(shards.size()));
    r.set_shard_index(static_cast<int>(i));
  }
  std::vector<control::Status> responses;
  const std::vector<grpc::Status> results =
      Ask(shards, &Stub::Swarm, requests, responses, options_.rpc_timeout);
  for (size_t i = 0; i < shards.size(); ++i) {
    if (!results[i].ok()) {
      return absl::Status(FromGrpc(results[i]).code(),
                          absl::StrCat(shards[i].address, ": ", results[i].error_message()));
    }
  }
  return absl::OkStatus();
}

absl::Status Coordinator::Stop() { return Tell(&Stub::Stop, control::StopRequest()); }

absl::Status Coordinator::ResetStats() {
  return Tell(&Stub::ResetStats, control::ResetStatsRequest());
}

LocustView Coordinator::View() {
  const std::vector<Shard> shards = Shards();
  control::GetStatusRequest status_request;
  status_request.set_histograms(true);
  control::GetStatsRequest stats_request;
  stats_request.set_histograms(true);
  std::vector<control::Status> statuses;
  std::vector<control::StatsReport> reports;
  std::vector<grpc::Status> asked_status, asked_stats;
  std::thread stats_thread([&] {
    asked_stats = Ask(shards, &Stub::GetStats,
                      std::vector<control::GetStatsRequest>(shards.size(), stats_request), reports,
                      options_.look_timeout);
  });
  asked_status = Ask(shards, &Stub::GetStatus,
                     std::vector<control::GetStatusRequest>(shards.size(), status_request),
                     statuses, options_.look_timeout);
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
