#include "load_generation/control/metrics_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/system/system_error.hpp"
#include "load_generation/http/host_port.h"
#include "load_generation/report/metrics.h"

namespace loadgen {

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(RunControl& control,
                                                                    const std::string& address) {
  absl::StatusOr<HostPort> parts = ParseHostPort(address, "--metrics_address");
  if (!parts.ok()) return parts.status();
  auto handler = [&control](const ServerRequest& request) {
    ServerResponse response;
    const absl::string_view path =
        absl::string_view(request.target).substr(0, absl::string_view(request.target).find('?'));
    if (request.method != "GET") {
      response.status = 405;
      response.body = "only GET\n";
    } else if (path == "/metrics") {
      response.body = PrometheusText(control.Status(), control.Totals(), ReadProcessFigures());
      response.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}};
    } else if (path == "/healthz") {
      response.body = "ok\n";
    } else {
      response.status = 404;
      response.body = "not found: try /metrics or /healthz\n";
    }
    return response;
  };
  try {
    return std::unique_ptr<MetricsServer>(new MetricsServer(
        std::make_unique<HttpServer>(handler, /*threads=*/1, /*record=*/false, parts->port, nullptr,
                                     parts->host.empty() ? "0.0.0.0" : parts->host)));
  } catch (const boost::system::system_error& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.code().message()));
  }
}

}  // namespace loadgen
