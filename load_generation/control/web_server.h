#ifndef LOAD_GENERATION_CONTROL_WEB_SERVER_H_
#define LOAD_GENERATION_CONTROL_WEB_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "load_generation/control/control_token.h"
#include "load_generation/control/locust_api.h"
#include "load_generation/control/run_control.h"
#include "load_generation/control/shard_set.h"
#include "load_generation/http/http_server.h"

namespace loadgen {

struct WebServerOptions {
  // HOST:PORT (HOST an IP address, [v6] in brackets, or empty for all IPv4 interfaces; port 0
  // picks a free one); `flag` names it in messages.
  std::string address;
  std::string flag = "--web_address";
  RunControl* metrics = nullptr;    // not owned; serves GET /metrics from it when set
  LocustBackend* locust = nullptr;  // not owned; serves Locust's routes when set
  // Not owned; serves loadgen's JSON routes and downloads (ServeControlApi) and the web UI at /
  // when set.
  ShardSet* api = nullptr;
  // Every route but /healthz and /metrics then needs `Authorization: Bearer <token>`.
  ControlToken token = ControlToken();
};

// The daemon's (or the coordinator's) HTTP face: GET /healthz ("ok"), GET /metrics
// (PrometheusText), Locust's routes (ServeLocust), loadgen's JSON routes (ServeControlApi) and
// the web UI (GET /, a page compiled into the binary). Unknown routes are 404, bodies over 1 MiB
// 413.
class WebServer {
 public:
  // InvalidArgument for a malformed address, Unavailable when it cannot listen there.
  static absl::StatusOr<std::unique_ptr<WebServer>> Start(WebServerOptions options);
  int port() const { return server_->port(); }

 private:
  WebServer(WebServerOptions options) : options_(std::move(options)) {}
  ServerResponse Handle(const ServerRequest& request) const;

  const WebServerOptions options_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_WEB_SERVER_H_
