// A target for tests and benchmarks: answers every request after a fixed delay.
// Prints "listening on PORT" once it accepts connections, and "served N requests" when it ends
// on SIGTERM or SIGINT, then how late its delays ended (its own share of the latency clients
// see).
#include <pthread.h>
#include <signal.h>

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "load_generation/http/http_server.h"

ABSL_FLAG(int, port, 0, "Port on 127.0.0.1; 0 picks a free one.");
ABSL_FLAG(int, delay_ms, 0, "Delay before each answer, in milliseconds.");
ABSL_FLAG(int, threads, 1, "Server threads.");
ABSL_FLAG(int, status, 200, "Status of every answer.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // A handler, so that signals the parent ignores (a shell's background jobs) still arrive.
  signal(SIGINT, [](int) {});
  signal(SIGTERM, [](int) {});
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the server's threads start
  const absl::Duration delay = absl::Milliseconds(absl::GetFlag(FLAGS_delay_ms));
  const int status = absl::GetFlag(FLAGS_status);
  loadgen::HttpServer server(
      [delay, status](const loadgen::ServerRequest&) {
        return loadgen::ServerResponse{.status = status, .body = "ok", .delay = delay};
      },
      absl::GetFlag(FLAGS_threads), /*record=*/false, absl::GetFlag(FLAGS_port));
  std::printf("listening on %d\n", server.port());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  std::printf("served %lld requests\n", static_cast<long long>(server.requests()));
  // The server's own share of the latency beyond the delay: how late its timers fired.
  if (const loadgen::LatencyHistogram late = server.AnswerLateness(); late.Count() > 0) {
    std::printf("answer lateness p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
                late.ValueAtQuantile(0.5) / 1000.0, late.ValueAtQuantile(0.99) / 1000.0,
                late.Max() / 1000.0);
  }
  return 0;
}
