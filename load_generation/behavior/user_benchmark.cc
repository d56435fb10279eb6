// Microbenchmark of one user task as a run does it: the user picks the task, its session writes
// and sends the GET, reads and parses the response, the request is recorded in the statistics,
// and the user goes on to the next task (no pause). The peer is the benchmark itself on the same
// thread: it answers each request before it is sent, from a canned response, so no other thread
// and no waiting is in the figure. The socket is a real loopback one; the kernel's sends and
// receives (the peer's too) are in the time, and `bench/` scenario 8 gives the user-space share
// alone (instructions per request, under callgrind).
//   bazel run -c opt //load_generation/behavior:user_benchmark
// The suite runs it once, as a smoke test; it asserts no time.
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"
#include "load_generation/behavior/behavior.h"
#include "load_generation/behavior/user.h"
#include "load_generation/clock/clock.h"
#include "load_generation/http/http_client.h"
#include "load_generation/http/target.h"
#include "load_generation/stats/stats.h"

namespace loadgen {
namespace {

// What nginx answers in bench/ (`return 200 "ok"`): a task here is one of scenario 8's requests.
constexpr char kResponse[] =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Thu, 03 Dec 2026 15:30:00 GMT\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Length: 2\r\n"
    "Connection: keep-alive\r\n"
    "\r\n"
    "ok";

class ProductBehavior : public UserBehavior {
 public:
  TaskTable Tasks() const override { return {{1, ViewProduct, "view_product"}}; }

 private:
  static Task ViewProduct(User& u) {
    co_await u.http().Get("/product/OLJCESPC7Z", {.name = "/product/[id]"});
  }
};

void BM_UserTask(benchmark::State& state) {
  asio::io_context io(1);
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket peer(io);
  bool accepted = false;
  acceptor.async_accept(peer, [&](boost::system::error_code error) { accepted = !error; });

  RealClock clock;
  StatsShard stats;
  const HttpSettings settings{
      .target =
          *ParseHttpTarget("http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()))};
  WaitRange no_pause;  // 0 to 0 ms
  auto user = std::make_shared<User>(
      User::Options{.id = 1, .type = "Product", .seed = 1}, std::make_unique<ProductBehavior>(),
      std::make_unique<HttpSession>(io.get_executor(), settings, stats, clock), clock,
      io.get_executor(), no_pause, stats);
  asio::co_spawn(io, user->Run(), asio::detached);
  while (!accepted && io.run_one() > 0) {
  }
  if (!accepted) {
    state.SkipWithError("the session did not connect");
    return;
  }
  peer.non_blocking(true);

  std::array<char, 64 << 10> requests;  // what the user sent, read and dropped now and then
  int64_t tasks = 0;
  for (auto _ : state) {
    asio::write(peer, asio::buffer(kResponse, sizeof kResponse - 1));
    while (user->tasks_completed() == tasks && io.run_one() > 0) {
    }
    tasks = user->tasks_completed();
    if (tasks % 64 == 0) {
      boost::system::error_code ignored;
      peer.read_some(asio::buffer(requests), ignored);
    }
  }
  if (stats.Snapshot().Total().failures != 0) state.SkipWithError("a request failed");
  state.counters["connections"] = static_cast<double>(user->http().connections_opened());
  user->RequestStop(absl::ZeroDuration());
  user->RequestStop(absl::ZeroDuration());  // asked again with no time left: cancelled at once
  io.run_for(std::chrono::seconds(1));
}
BENCHMARK(BM_UserTask);

}  // namespace
}  // namespace loadgen

BENCHMARK_MAIN();
