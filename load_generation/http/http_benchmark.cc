// Microbenchmarks of what every request costs on the HTTP side: serialising a request as the
// client builds it, parsing a typical response with the client's limits, and one whole GET by an
// HttpSession over loopback (the kernel's share included).
//   bazel run -c opt //load_generation/http:http_benchmark
// The suite runs each once, as a smoke test; it asserts no time.
#include <string>

#include "benchmark/benchmark.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/serializer.hpp"
#include "boost/beast/http/write.hpp"
#include "load_generation/clock/clock.h"
#include "load_generation/http/http_client.h"
#include "load_generation/http/http_server.h"
#include "load_generation/http/target.h"

namespace loadgen {
namespace {

constexpr char kResponse[] =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Wed, 02 Dec 2026 09:00:00 GMT\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Length: 48\r\n"
    "Connection: keep-alive\r\n"
    "Set-Cookie: session=0123456789abcdef; Path=/; HttpOnly\r\n"
    "\r\n"
    "<html><body>a product page, more or less</body>\n";

void BM_SerializeRequest(benchmark::State& state) {
  http::request<http::string_body> request{http::verb::get, "/product/OLJCESPC7Z", 11};
  request.set(http::field::host, "frontend:80");
  request.set(http::field::user_agent, "loadgen/1.0");
  request.set(http::field::cookie, "session=0123456789abcdef");
  request.prepare_payload();
  std::string wire;
  for (auto _ : state) {
    wire.clear();
    http::request_serializer<http::string_body> serializer(request);
    boost::beast::error_code error;
    do {
      serializer.next(error, [&](boost::beast::error_code&, const auto& buffers) {
        for (const auto& b : boost::beast::buffers_range_ref(buffers)) {
          wire.append(static_cast<const char*>(b.data()), b.size());
        }
        serializer.consume(boost::beast::buffer_bytes(buffers));
      });
    } while (!error && !serializer.is_done());
    benchmark::DoNotOptimize(wire.data());
  }
}
BENCHMARK(BM_SerializeRequest);

void BM_ParseResponse(benchmark::State& state) {
  const HttpSettings limits;
  for (auto _ : state) {
    ResponseParser parser;
    LimitResponseParser(parser, limits);
    boost::beast::error_code error;
    parser.put(boost::asio::buffer(kResponse, sizeof kResponse - 1), error);
    benchmark::DoNotOptimize(parser.is_done());
  }
}
BENCHMARK(BM_ParseResponse);

// One user's GET after another on a kept-alive connection, against an in-process server.
void BM_SessionGetOverLoopback(benchmark::State& state) {
  HttpServer server([](const ServerRequest&) { return ServerResponse{.body = "ok"}; }, 1,
                    /*record=*/false);
  asio::io_context io;
  RealClock clock;
  StatsShard stats;
  HttpSettings settings{.target = *ParseHttpTarget(server.url())};
  HttpSession session(io.get_executor(), settings, stats, clock);
  for (auto _ : state) {
    bool ok = false;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { ok = (co_await session.Get("/")).ok(); },
        asio::detached);
    io.restart();
    io.run();
    if (!ok) state.SkipWithError("a request failed");
  }
  state.counters["connections"] = static_cast<double>(session.connections_opened());
}
BENCHMARK(BM_SessionGetOverLoopback);

}  // namespace
}  // namespace loadgen

BENCHMARK_MAIN();
