// The demo shop: an Online Boutique stand-in on 127.0.0.1 for the demo and tests.
// Prints "listening on PORT" once it accepts connections; stops on SIGINT or SIGTERM and
// prints how many orders were placed.
#include <signal.h>

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "applications/hipster_shop/demo_shop.h"
#include "load_generation/http/http_server.h"

ABSL_FLAG(int, port, 0, "Port on 127.0.0.1; 0 picks a free one.");
ABSL_FLAG(int, threads, 1, "Server threads.");
ABSL_FLAG(absl::Duration, median_latency, absl::Milliseconds(5), "Median response time.");
ABSL_FLAG(double, latency_sigma, 0.5, "Sigma of the log-normal response time; 0: fixed.");
ABSL_FLAG(double, error_rate, 0.0, "Fraction of requests answered with 500, in [0, 1].");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const double error_rate = absl::GetFlag(FLAGS_error_rate);
  if (error_rate < 0 || error_rate > 1 || absl::GetFlag(FLAGS_latency_sigma) < 0) {
    std::fprintf(stderr, "demo_shop: --error_rate must be in [0, 1], --latency_sigma >= 0\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  hipster_shop::DemoShop shop({.median_latency = absl::GetFlag(FLAGS_median_latency),
                               .latency_sigma = absl::GetFlag(FLAGS_latency_sigma),
                               .error_rate = error_rate});
  loadgen::HttpServer server([&shop](const loadgen::ServerRequest& r) { return shop.Handle(r); },
                             absl::GetFlag(FLAGS_threads), /*record=*/false,
                             absl::GetFlag(FLAGS_port));
  std::printf("listening on %d\n", server.port());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  std::printf("demo_shop: %lld orders, %lld injected errors, %zu sessions\n",
              static_cast<long long>(shop.orders()), static_cast<long long>(shop.injected_errors()),
              shop.sessions());
  return 0;
}
