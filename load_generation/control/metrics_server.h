#ifndef LOAD_GENERATION_CONTROL_METRICS_SERVER_H_
#define LOAD_GENERATION_CONTROL_METRICS_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "load_generation/control/run_control.h"
#include "load_generation/http/http_server.h"

namespace loadgen {

// Serves GET /metrics (PrometheusText) and GET /healthz ("ok") over HTTP.
class MetricsServer {
 public:
  // Listens on `address`, HOST:PORT (HOST an IP address, [v6] in brackets, or empty for all
  // IPv4 interfaces; port 0 picks a free one). InvalidArgument for a malformed address,
  // Unavailable when it cannot listen there.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(RunControl& control,
                                                              const std::string& address);
  int port() const { return server_->port(); }

 private:
  explicit MetricsServer(std::unique_ptr<HttpServer> server) : server_(std::move(server)) {}
  std::unique_ptr<HttpServer> server_;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_METRICS_SERVER_H_
