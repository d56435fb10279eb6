#include "load_generation/control/control_service.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "load_generation/behavior/behavior.h"
#include "load_generation/config/config.h"
#include "load_generation/control/status_proto.h"

namespace loadgen {
namespace {

constexpr char kServiceName[] = "pl.demos.load_generation.LoadGenerator";

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl::StatusCode has gRPC's numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view what) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the TLS ", what, " ", path, ": ", text.status().message()));
  }
  return text;
}

control::ConfigCheck ConfigCheckOf(const RunConfig& run) {
  control::ConfigCheck check;
  check.set_valid(true);
  check.set_name(run.path.empty() ? "inline" : run.path);
  check.set_digest(ConfigDigest(run.config));
  check.set_application(run.application);
  google::protobuf::TextFormat::PrintToString(run.config, check.mutable_text());
  check.set_loops(run.config.loops());
  check.set_run_time_s(run.config.run_time_s());
  for (int i = 0; i < run.config.phases_size(); ++i) {
    const PhaseConfig& p = run.config.phases(i);
    control::ConfigCheck::Phase* phase = check.add_phases();
    phase->set_name(PhaseName(run.config, i));
    phase->set_duration_s(p.duration());
    phase->set_open(p.arrival_rate_per_s() > 0);
    phase->set_users(p.num_users());
    phase->set_arrival_rate_per_s(p.arrival_rate_per_s());
    phase->set_end_arrival_rate_per_s(p.has_end_arrival_rate_per_s() ? p.end_arrival_rate_per_s()
                                                                     : p.arrival_rate_per_s());
    for (const auto& type : p.user_types()) phase->add_user_types(type.name());
  }
  return check;
}

// The client's address without its port: "ipv4:10.0.0.1" for "ipv4:10.0.0.1:5555".
absl::string_view HostOf(absl::string_view peer) {
  const size_t colon = peer.rfind(':');
  return colon == absl::string_view::npos || colon < peer.find(':') + 1 ? peer
                                                                        : peer.substr(0, colon);
}

// The shards a Start or a Swarm names: shard_count 0..10000, shard_index in range if set.
template <typename Request>
absl::StatusOr<ShardAssignment> Shards(const Request& request) {
  if (request.shard_count() < 0 || request.shard_count() > 10000) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard_count must be in 0..10000, not ", request.shard_count()));
  }
  ShardAssignment shards{.count = request.shard_count()};
  if (request.has_shard_index()) {
    if (request.shard_index() < 0 || request.shard_index() >= std::max(request.shard_count(), 1)) {
      return absl::InvalidArgumentError(absl::StrCat("shard_index must be in 0..",
                                                     std::max(request.shard_count(), 1) - 1,
                                                     ", not ", request.shard_index()));
    }
    shards.index = request.shard_index();
  }
  return shards;
}

}  // namespace

absl::Status WatchSlots::Take(absl::string_view peer) {
  std::lock_guard<std::mutex> lock(mu_);
  if (taken_ >= total_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("at most ", total_, " status watchers at once"));
  }
  int& from_host = by_host_[HostOf(peer)];
  if (from_host >= per_address_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "at most ", per_address_, " status watchers from one address (", HostOf(peer), ")"));
  }
  ++from_host;
  ++taken_;
  return absl::OkStatus();
}

void WatchSlots::Release(absl::string_view peer) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_host_.find(HostOf(peer));
  if (it == by_host_.end()) return;
  if (--it->second == 0) by_host_.erase(it);
  --taken_;
}

ControlService::ControlService(RunControl& control, ControlToken token)
    : control_(control), token_(std::move(token)) {}

void ControlService::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutdown_ = true;
  shutdown_cv_.notify_all();
}

grpc::Status ControlService::Authorize(const grpc::ServerContext& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  std::optional<absl::string_view> authorization;
  if (it != metadata.end()) authorization = absl::string_view(it->second.data(), it->second.size());
  return ToGrpc(token_.Check(authorization));
}

absl::StatusOr<RunConfig> ControlService::RequestedConfig(
    const control::ConfigSource& source) const {
  switch (source.source_case()) {
    case control::ConfigSource::kText:
      return control_.ConfigFromText(source.text(),
                                     source.name().empty() ? "inline" : source.name());
    case control::ConfigSource::kPath:
      return control_.ConfigFromFile(source.path());
    case control::ConfigSource::SOURCE_NOT_SET:
      break;
  }
  return control_.config();
}

grpc::Status ControlService::Reply(const absl::Status& status, control::Status* response) {
  if (!status.ok()) return ToGrpc(status);
  *response = ToProto(control_.Status());
  return grpc::Status::OK;
}

grpc::Status ControlService::Start(grpc::ServerContext* context,
                                   const control::StartRequest* request,
                                   control::Status* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  // Written so that NaN fails too: every comparison with it is false.
  if (!(request->run_time_s() >= 0 && request->run_time_s() <= 1e9)) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("run_time_s must be in 0..1e9, not ", request->run_time_s())));
  }
  std::optional<RunConfig> config;
  if (request->config().source_case() != control::ConfigSource::SOURCE_NOT_SET) {
    absl::StatusOr<RunConfig> requested = RequestedConfig(request->config());
    if (!requested.ok()) return ToGrpc(requested.status());
    config = *std::move(requested);
  }
  const absl::Time at = absl::FromUnixMillis(std::max<int64_t>(request->start_at_unix_ms(), 0));
  absl::StatusOr<ShardAssignment> shards = Shards(*request);
  if (!shards.ok()) return ToGrpc(shards.status());
  return Reply(control_.Start(std::move(config), at, absl::Seconds(request->run_time_s()), *shards),
               response);
}

grpc::Status ControlService::Swarm(grpc::ServerContext* context,
                                   const control::SwarmRequest* request,
                                   control::Status* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  if (!(request->run_time_s() >= 0 && request->run_time_s() <= 1e9)) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("run_time_s must be in 0..1e9, not ", request->run_time_s())));
  }
  absl::StatusOr<ShardAssignment> shards = Shards(*request);
  if (!shards.ok()) return ToGrpc(shards.status());
  const SwarmSettings settings{
      .user_count = request->user_count(),
      .spawn_rate = request->spawn_rate(),
      .host = request->host(),
      .run_time = absl::Seconds(request->run_time_s()),
      .user_classes = {request->user_classes().begin(), request->user_classes().end()}};
  return Reply(control_.Swarm(settings, *shards), response);
}

grpc::Status ControlService::Stop(grpc::ServerContext* context, const control::StopRequest* request,
                                  control::Status* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  if (request->timeout_ms() < 0) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("timeout_ms must be >= 0, not ", request->timeout_ms())));
  }
  std::optional<absl::Duration> timeout;
  if (request->timeout_ms() > 0) timeout = absl::Milliseconds(request->timeout_ms());
  return Reply(control_.Stop(timeout), response);
}

grpc::Status ControlService::GetStatus(grpc::ServerContext* context,
                                       const control::GetStatusRequest* request,
                                       control::Status* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  *response = ToProto(control_.Status(), request->histograms());
  return grpc::Status::OK;
}

grpc::Status ControlService::WatchStatus(grpc::ServerContext* context,
                                         const control::WatchStatusRequest* request,
                                         grpc::ServerWriter<control::Status>* writer) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  int64_t interval_ms = request->interval_ms() == 0 ? 1000 : request->interval_ms();
  if (interval_ms < 100 || interval_ms > int64_t{3600} * 1000) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("interval_ms must be in 100..3600000, not ", request->interval_ms())));
  }
  const std::string peer = context->peer();
  if (absl::Status slot = watchers_.Take(peer); !slot.ok()) return ToGrpc(slot);
  struct Slot {
    WatchSlots& slots;
    const std::string& peer;
    ~Slot() { slots.Release(peer); }
  } slot{watchers_, peer};
  auto next = std::chrono::steady_clock::now();
  while (true) {
    if (!writer->Write(ToProto(control_.Status()))) return grpc::Status::OK;  // client gone
    next += std::chrono::milliseconds(interval_ms);
    std::unique_lock<std::mutex> lock(mu_);
    // Wakes for shutdown, and every 100 ms to see whether the client went away.
    while (!shutdown_ && !context->IsCancelled() && std::chrono::steady_clock::now() < next) {
      shutdown_cv_.wait_until(
          lock, std::min(next, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
    }
    if (shutdown_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the daemon is exiting");
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
  }
}

grpc::Status ControlService::JumpToPhase(grpc::ServerContext* context,
                                         const control::JumpToPhaseRequest* request,
                                         control::Status* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  return Reply(control_.Control(::loadgen::JumpToPhase{.phase = request->phase()}), response);
}

grpc::Status ControlService::Pause(grpc::ServerContext* context,
                                   const control::PauseRequest* /*request*/,
                                   control::Status* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  return Reply(control_.Control(PauseRun()), response);
}

grpc::Status ControlService::Resume(grpc::ServerContext* context,
                                    const control::ResumeRequest* /*request*/,
                                    control::Status* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  return Reply(control_.Control(ResumeRun()), response);
}

grpc::Status ControlService::OverrideUsers(grpc::ServerContext* context,
                                           const control::OverrideUsersRequest* request,
                                           control::Status* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  const std::vector<int> ratios(request->ratios().begin(), request->ratios().end());
  return Reply(control_.Control(OverrideUserCount{.users = request->users(), .ratios = ratios}),
               response);
}

grpc::Status ControlService::OverrideRate(grpc::ServerContext* context,
                                          const control::OverrideRateRequest* request,
                                          control::Status* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  return Reply(control_.Control(OverrideArrivalRate{.per_s = request->arrivals_per_s()}), response);
}

grpc::Status ControlService::ClearOverride(grpc::ServerContext* context,
                                           const control::ClearOverrideRequest* /*request*/,
                                           control::Status* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  return Reply(control_.Control(ClearUserOverride()), response);
}

grpc::Status ControlService::ReloadConfig(grpc::ServerContext* context,
                                          const control::ReloadConfigRequest* request,
                                          control::Status* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  if (request->config().source_case() == control::ConfigSource::SOURCE_NOT_SET) {
    return ToGrpc(absl::InvalidArgumentError("give the new config as text or path"));
  }
  if (!control::ReloadConfigRequest::When_IsValid(request->when())) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("when must be NOW or NEXT_PHASE, not ", request->when())));
  }
  absl::StatusOr<RunConfig> config = RequestedConfig(request->config());
  if (!config.ok()) return ToGrpc(config.status());
  return Reply(control_.Reload(*std::move(config),
                               request->when() == control::ReloadConfigRequest::NEXT_PHASE),
               response);
}

grpc::Status ControlService::ResetStats(grpc::ServerContext* context,
                                        const control::ResetStatsRequest* /*request*/,
                                        control::Status* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  return Reply(control_.ResetStats(), response);
}

grpc::Status ControlService::GetStats(grpc::ServerContext* context,
                                      const control::GetStatsRequest* request,
                                      control::StatsReport* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  *response = ToProto(control_.Stats(), request->histograms());
  FillThresholds(control_.Status().thresholds, response->mutable_thresholds());
  return grpc::Status::OK;
}

grpc::Status ControlService::ListApplications(grpc::ServerContext* context,
                                              const control::ListApplicationsRequest* /*request*/,
                                              control::ApplicationList* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  const BehaviorRegistry& registry = BehaviorRegistry::Global();
  for (const std::string& name : registry.Applications()) {
    control::ApplicationList::Application* app = response->add_applications();
    app->set_name(name);
    for (const std::string& type : registry.UserTypes(name)) app->add_user_types(type);
  }
  for (const std::string& name : control_.config().declared->names()) {
    response->add_declared_user_types(name);
  }
  return grpc::Status::OK;
}

grpc::Status ControlService::CheckConfig(grpc::ServerContext* context,
                                         const control::CheckConfigRequest* request,
                                         control::ConfigCheck* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  absl::StatusOr<RunConfig> config = RequestedConfig(request->config());
  if (!config.ok()) {
    if (config.status().code() != absl::StatusCode::kInvalidArgument) {
      return ToGrpc(config.status());
    }
    response->set_errors(std::string(config.status().message()));
    return grpc::Status::OK;
  }
  *response = ConfigCheckOf(*config);
  return grpc::Status::OK;
}

grpc::Status ControlService::GetConfig(grpc::ServerContext* context,
                                       const control::GetConfigRequest* /*request*/,
                                       control::ConfigCheck* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  *response = ConfigCheckOf(control_.config());
  return grpc::Status::OK;
}

ControlServer::ControlServer(RunControl& control, ControlToken token)
    : service_(control, std::move(token)) {}

absl::StatusOr<std::unique_ptr<ControlServer>> ControlServer::Start(
    RunControl& control, const ControlServerOptions& options) {
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return absl::InvalidArgumentError("TLS needs both a certificate and a key file");
    }
    absl::StatusOr<std::string> cert = ReadPem(options.tls_cert_file, "certificate");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(options.tls_key_file, "key");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::unique_ptr<ControlServer> server(new ControlServer(control, ControlToken(options.token)));
  grpc::ServerBuilder builder;
  // A second daemon on the same port is an error, not a silent share of the calls.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (!options.address.empty()) {
    builder.AddListeningPort(options.address, credentials, &server->port_);
  }
  builder.RegisterService(&server->service_);
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || (server->port_ == 0 && !options.address.empty())) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve gRPC on '", options.address,
        "' (is it HOST:PORT, is the port free, are the TLS files a matching PEM pair?)"));
  }
  server->UpdateHealth(RunState::kIdle);
  return server;
}

ControlServer::~ControlServer() { Shutdown(); }

std::shared_ptr<grpc::Channel> ControlServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

void ControlServer::UpdateHealth(RunState state) {
  const bool serving =
      state == RunState::kScheduled || state == RunState::kRunning || state == RunState::kPaused;
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return;
  server_->GetHealthCheckService()->SetServingStatus(kServiceName, serving);
}

void ControlServer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_ || !server_) return;  // no server_: it never started
    shut_down_ = true;
  }
  service_.Shutdown();
  server_->GetHealthCheckService()->Shutdown();
  // Calls in flight get a moment to answer; a client that merely keeps its channel open would
  // otherwise hold the exit up until the deadline, however long.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(250));
  server_->Wait();
}

}  // namespace loadgen
