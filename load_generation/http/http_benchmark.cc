// Microbenchmarks of what every request costs on the HTTP side: serialising a request as the
// client builds it, parsing a typical response with the client's limits, and one whole GET by an
// HttpSession over loopback (the kernel's share included).
//   bazel run -c opt //load_generation/http:http_benchmark
// The suite runs each once, as a smoke test; it asserts no time.
#include <string>
#include <string_view>

#include "benchmark/benchmark.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "load_generation/clock/clock.h"
#include "load_generation/http/http_client.h"
#include "load_generation/http/http_server.h"
#include "load_generation/http/response_parser.h"
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
  const HttpSettings settings{.target = *ParseHttpTarget("http://frontend:80")};
  std::string wire;  // as a session keeps it
  for (auto _ : state) {
    WriteRequest(http::verb::get, "/product/OLJCESPC7Z", "", {}, settings,
                 "session=0123456789abcdef", wire);
    benchmark::DoNotOptimize(wire.data());
  }
}
BENCHMARK(BM_SerializeRequest);

// Reads kResponse and `other` into one message by turns, each whole in the buffer as it comes in
// one read.
void ParseByTurns(benchmark::State& state, std::string_view other) {
  const HttpSettings limits;
  ResponseMessage message;  // as a session keeps it
  bool first = true;
  for (auto _ : state) {
    ResponseParser parser(message, limits.max_header_bytes, limits.max_body_bytes);
    boost::beast::error_code error;
    const std::string_view input = first ? std::string_view(kResponse) : other;
    parser.Put(boost::asio::buffer(input.data(), input.size()), error);
    benchmark::DoNotOptimize(parser.done());
    first = !first;
  }
}

// Responses unlike the last one (another length by turns): the parser's quick path.
void BM_ParseResponse(benchmark::State& state) {
  std::string other(kResponse);
  other.replace(other.find("Length: 48"), 10, "Length: 47");
  other.pop_back();
  ParseByTurns(state, other);
}
BENCHMARK(BM_ParseResponse);

// Responses like the last one but for their Date: read by comparing bytes with it.
void BM_ParseResponseLikeTheLast(benchmark::State& state) {
  std::string other(kResponse);
  other.replace(other.find("09:00:00"), 8, "09:00:01");
  ParseByTurns(state, other);
}
BENCHMARK(BM_ParseResponseLikeTheLast);

// The same response read by Beast's parser, which reads what the quick path does not.
void BM_ParseResponseWithBeast(benchmark::State& state) {
  const HttpSettings limits;
  ResponseMessage message;
  for (auto _ : state) {
    ResponseParser parser =
        ResponseParser::BeastOnly(message, limits.max_header_bytes, limits.max_body_bytes);
    boost::beast::error_code error;
    parser.Put(boost::asio::buffer(kResponse, sizeof kResponse - 1), error);
    benchmark::DoNotOptimize(parser.done());
  }
}
BENCHMARK(BM_ParseResponseWithBeast);

// The response in two reads, its header and then its body (a server that writes them apart):
// the quick path waits for the body and reads the whole; before, Beast's parser read it.
void BM_ParseResponseInTwoReads(benchmark::State& state) {
  const HttpSettings limits;
  ResponseMessage message;
  const size_t header = std::string_view(kResponse).find("\r\n\r\n") + 4;
  for (auto _ : state) {
    ResponseParser parser(message, limits.max_header_bytes, limits.max_body_bytes);
    boost::beast::error_code error;
    const size_t used = parser.Put(boost::asio::buffer(kResponse, header), error);
    parser.Put(boost::asio::buffer(kResponse + used, sizeof kResponse - 1 - used), error);
    benchmark::DoNotOptimize(parser.done());
  }
}
BENCHMARK(BM_ParseResponseInTwoReads);

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
    bool done = false, ok = false;
    asio::co_spawn(
        io,
        [&]() -> Awaitable<void> {
          ok = (co_await session.Get("/")).ok();
          done = true;
        },
        asio::detached);
    while (!done) io.run_one();  // the session's timeout wait stays pending: not io.run()
    if (!ok) state.SkipWithError("a request failed");
  }
  state.counters["connections"] = static_cast<double>(session.connections_opened());
}
BENCHMARK(BM_SessionGetOverLoopback);

}  // namespace
}  // namespace loadgen

BENCHMARK_MAIN();
