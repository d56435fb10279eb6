#include "load_generation/control/web_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/system/system_error.hpp"
#include "load_generation/control/control_api.h"
#include "load_generation/control/web_ui.h"
#include "load_generation/http/host_port.h"
#include "load_generation/report/metrics.h"

namespace loadgen {

ServerResponse WebServer::Handle(const ServerRequest& request) const {
  const absl::string_view path =
      absl::string_view(request.target).substr(0, absl::string_view(request.target).find('?'));
  // Open to all, as /healthz: the page holds no figures, and asks for the token itself.
  const bool page = options_.api != nullptr && (path == "/" || path == "/index.html");
  if (path == "/healthz" || (path == "/metrics" && options_.metrics != nullptr) || page) {
    if (request.method != "GET" && request.method != "HEAD") {
      return {.status = 405, .body = "only GET\n", .headers = {{"Allow", "GET, HEAD"}}};
    }
    if (path == "/healthz") return {.body = "ok\n"};
    if (page) {
      return {.body = std::string(WebUiPage()),
              .headers = {{"Content-Type", "text/html; charset=utf-8"},
                          {"Cache-Control", "no-cache"},
                          {"Content-Security-Policy",
                           "default-src 'self'; script-src 'unsafe-inline'; "
                           "style-src 'unsafe-inline'; img-src 'self' data:"}}};
    }
    return {.body = PrometheusText(options_.metrics->Status(), options_.metrics->Totals(),
                                   ReadProcessFigures()),
            .headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}}};
  }
  const auto header = request.headers.find("authorization");
  if (absl::Status allowed = options_.token.Check(
          header == request.headers.end() ? std::nullopt
                                          : std::optional<absl::string_view>(header->second));
      !allowed.ok()) {
    return {.status = 401,
            .body = absl::StrCat(allowed.message(), "\n"),
            .headers = {{"WWW-Authenticate", "Bearer"}}};
  }
  if (options_.locust != nullptr) {
    if (std::optional<ServerResponse> answer = ServeLocust(*options_.locust, request)) {
      return *std::move(answer);
    }
  }
  if (options_.api != nullptr) {
    if (std::optional<ServerResponse> answer = ServeControlApi(*options_.api, request)) {
      return *std::move(answer);
    }
  }
  return {
      .status = 404,
      .body = absl::StrCat(
          "not found: ", path, "; try /healthz", options_.metrics != nullptr ? ", /metrics" : "",
          options_.locust != nullptr ? ", /swarm, /stop, /stats/reset, /stats/requests" : "",
          options_.api != nullptr ? ", / (the web UI), /api/v1/GetStatus" : "", "\n")};
}

absl::StatusOr<std::unique_ptr<WebServer>> WebServer::Start(WebServerOptions options) {
  absl::StatusOr<HostPort> parts = ParseHostPort(options.address, options.flag);
  if (!parts.ok()) return parts.status();
  std::unique_ptr<WebServer> web(new WebServer(std::move(options)));
  try {
    // Two threads: a /stop that waits for the run's end does not hold up /metrics.
    web->server_ = std::make_unique<HttpServer>(
        [w = web.get()](const ServerRequest& request) { return w->Handle(request); },
        /*threads=*/2, /*record=*/false, parts->port, nullptr,
        parts->host.empty() ? "0.0.0.0" : parts->host);
  } catch (const boost::system::system_error& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve HTTP on ", web->options_.address, ": ", e.code().message()));
  }
  return web;
}

}  // namespace loadgen
