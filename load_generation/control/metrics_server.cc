#include "load_generation/control/metrics_server.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/system/system_error.hpp"
#include "load_generation/report/metrics.h"

namespace loadgen {
namespace {

// HOST:PORT into its parts; the host without brackets, "0.0.0.0" when empty.
absl::StatusOr<std::pair<std::string, int>> SplitAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--metrics_address '", address, "' is not HOST:PORT (e.g. 0.0.0.0:9464, [::1]:9464)"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(host.empty() ? "0.0.0.0" : host, port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(RunControl& control,
                                                                    const std::string& address) {
  absl::StatusOr<std::pair<std::string, int>> parts = SplitAddress(address);
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
    return std::unique_ptr<MetricsServer>(new MetricsServer(std::make_unique<HttpServer>(
        handler, /*threads=*/1, /*record=*/false, parts->second, nullptr, parts->first)));
  } catch (const boost::system::system_error& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.code().message()));
  }
}

}  // namespace loadgen
