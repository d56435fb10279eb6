#ifndef LOAD_GENERATION_CONTROL_CONTROL_SERVICE_H_
#define LOAD_GENERATION_CONTROL_CONTROL_SERVICE_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "load_generation/control/control_token.h"
#include "load_generation/control/run_control.h"
#include "load_generation/control/status_proto.h"
#include "proto/control.grpc.pb.h"

namespace loadgen {

// The WatchStatus streams open at once: at most `total`, and at most `per_address` from one
// client address, so that no one client can take them all. Thread-safe.
class WatchSlots {
 public:
  WatchSlots(int total, int per_address) : total_(total), per_address_(per_address) {}

  // A slot for a stream from `peer`, gRPC's name of the client ("ipv4:10.0.0.1:5555"), or
  // ResourceExhausted naming the limit reached.
  absl::Status Take(absl::string_view peer);
  // Gives back a slot that Take gave.
  void Release(absl::string_view peer);

 private:
  const int total_;
  const int per_address_;
  std::mutex mu_;
  int taken_ = 0;                                  // guarded by mu_
  absl::flat_hash_map<std::string, int> by_host_;  // guarded by mu_; addresses with a slot
};

// The gRPC face of the run controller: each RPC checks the caller's token, turns the request into
// a RunControl call and the result into a Status message. Handlers stay thin: the controller does
// the work.
class ControlService final : public control::LoadGenerator::Service {
 public:
  ControlService(RunControl& control, ControlToken token);

  // Ends every WatchStatus stream; later ones end at once. Call before the server shuts down.
  void Shutdown();

  grpc::Status Start(grpc::ServerContext* context, const control::StartRequest* request,
                     control::Status* response) override;
  grpc::Status Swarm(grpc::ServerContext* context, const control::SwarmRequest* request,
                     control::Status* response) override;
  grpc::Status Stop(grpc::ServerContext* context, const control::StopRequest* request,
                    control::Status* response) override;
  grpc::Status GetStatus(grpc::ServerContext* context, const control::GetStatusRequest* request,
                         control::Status* response) override;
  grpc::Status WatchStatus(grpc::ServerContext* context, const control::WatchStatusRequest* request,
                           grpc::ServerWriter<control::Status>* writer) override;
  grpc::Status JumpToPhase(grpc::ServerContext* context, const control::JumpToPhaseRequest* request,
                           control::Status* response) override;
  grpc::Status Pause(grpc::ServerContext* context, const control::PauseRequest* request,
                     control::Status* response) override;
  grpc::Status Resume(grpc::ServerContext* context, const control::ResumeRequest* request,
                      control::Status* response) override;
  grpc::Status OverrideUsers(grpc::ServerContext* context,
                             const control::OverrideUsersRequest* request,
                             control::Status* response) override;
  grpc::Status OverrideRate(grpc::ServerContext* context,
                            const control::OverrideRateRequest* request,
                            control::Status* response) override;
  grpc::Status ClearOverride(grpc::ServerContext* context,
                             const control::ClearOverrideRequest* request,
                             control::Status* response) override;
  grpc::Status ReloadConfig(grpc::ServerContext* context,
                            const control::ReloadConfigRequest* request,
                            control::Status* response) override;
  grpc::Status ResetStats(grpc::ServerContext* context, const control::ResetStatsRequest* request,
                          control::Status* response) override;
  grpc::Status GetStats(grpc::ServerContext* context, const control::GetStatsRequest* request,
                        control::StatsReport* response) override;
  grpc::Status ListApplications(grpc::ServerContext* context,
                                const control::ListApplicationsRequest* request,
                                control::ApplicationList* response) override;
  grpc::Status CheckConfig(grpc::ServerContext* context, const control::CheckConfigRequest* request,
                           control::ConfigCheck* response) override;
  grpc::Status GetConfig(grpc::ServerContext* context, const control::GetConfigRequest* request,
                         control::ConfigCheck* response) override;

  // At most this many WatchStatus streams at once, and from one address; more get
  // RESOURCE_EXHAUSTED.
  static constexpr int kMaxWatchers = 256;
  static constexpr int kMaxWatchersPerAddress = 64;

 private:
  grpc::Status Authorize(const grpc::ServerContext& context) const;
  // The config a request names: its text, a path on this machine, or the config in force.
  absl::StatusOr<RunConfig> RequestedConfig(const control::ConfigSource& source) const;
  // `status` as a gRPC status; on success, `response` gets the daemon's status.
  grpc::Status Reply(const absl::Status& status, control::Status* response);

  RunControl& control_;
  const ControlToken token_;
  std::mutex mu_;
  std::condition_variable shutdown_cv_;
  bool shutdown_ = false;  // guarded by mu_
  WatchSlots watchers_{kMaxWatchers, kMaxWatchersPerAddress};
};

struct ControlServerOptions {
  // Port 0 picks a free one; empty: no port, calls only in process (InProcessChannel).
  std::string address = "127.0.0.1:50051";
  std::string token;          // empty: no authentication
  std::string tls_cert_file;  // both set: TLS; else plaintext
  std::string tls_key_file;
};

// The gRPC server: the control service, the standard health service and server reflection.
// Health: service "" is SERVING while the daemon is up; service
// "pl.demos.load_generation.LoadGenerator" is SERVING while a run is under way (scheduled,
// running or paused) and NOT_SERVING when idle or stopping.
class ControlServer {
 public:
  // Unavailable (with the address) if it cannot listen; InvalidArgument for bad TLS files.
  static absl::StatusOr<std::unique_ptr<ControlServer>> Start(RunControl& control,
                                                              const ControlServerOptions& options);
  ~ControlServer();

  int port() const { return port_; }  // 0 when it listens on none
  // A channel to the service in this process, through no socket: the HTTP API's way in.
  std::shared_ptr<grpc::Channel> InProcessChannel();
  // Sets the health of the control service from the run state; call after state changes.
  void UpdateHealth(RunState state);
  // Ends watch streams and calls, then stops serving. Idempotent.
  void Shutdown();

 private:
  ControlServer(RunControl& control, ControlToken token);

  ControlService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::mutex mu_;
  bool shut_down_ = false;  // guarded by mu_
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_CONTROL_SERVICE_H_
