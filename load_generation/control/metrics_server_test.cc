#include "load_generation/control/metrics_server.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "load_generation/testing/fake_run_control.h"

namespace loadgen {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A GET over a fresh connection: (status, body).
std::pair<int, std::string> Get(int port, const std::string& target, const char* method = "GET") {
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
  http::request<http::empty_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(socket, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  return {response.result_int(), response.body()};
}

TEST(MetricsServer, ServesMetricsAndHealth) {
  FakeRunControl control;
  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start(control, "127.0.0.1:0");
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  auto [status, body] = Get(port, "/metrics");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(body, HasSubstr("loadgen_run_state{state=\"idle\"} 1\n"));
  EXPECT_THAT(body, HasSubstr("process_resident_memory_bytes "));
  EXPECT_EQ(Get(port, "/healthz"), std::make_pair(200, std::string("ok\n")));
  EXPECT_EQ(Get(port, "/other").first, 404);
  EXPECT_EQ(Get(port, "/metrics", "POST").first, 405);

  absl::StatusOr<std::unique_ptr<MetricsServer>> second =
      MetricsServer::Start(control, absl::StrCat("127.0.0.1:", port));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()), StartsWith("cannot serve metrics on"));
}

TEST(MetricsServer, RefusesMalformedAddresses) {
  FakeRunControl control;
  for (const char* address : {"", "9464", "host:port", "127.0.0.1:70000", "localhost:0"}) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(control, address);
    EXPECT_FALSE(server.ok()) << address;
    EXPECT_THAT(std::string(server.status().message()), HasSubstr(address));
  }
}

}  // namespace
}  // namespace loadgen
