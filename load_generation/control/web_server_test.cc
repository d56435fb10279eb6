#include "load_generation/control/web_server.h"

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

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Answer {
  int status = 0;
  std::string body;
  std::string content_type;
};

// One request over a fresh connection.
Answer Send(int port, const std::string& target, const char* method = "GET",
            const std::string& body = "", const std::string& token = "") {
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, "127.0.0.1");
  if (!body.empty()) request.set(http::field::content_type, "application/x-www-form-urlencoded");
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  request.body() = body;
  request.prepare_payload();
  http::write(socket, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  boost::system::error_code error;
  http::read(socket, buffer, response, error);
  return {static_cast<int>(response.result_int()), response.body(),
          std::string(response[http::field::content_type])};
}

std::unique_ptr<WebServer> Serve(WebServerOptions options) {
  options.address = "127.0.0.1:0";
  absl::StatusOr<std::unique_ptr<WebServer>> server = WebServer::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

TEST(WebServer, ServesMetricsAndHealth) {
  FakeRunControl control;
  std::unique_ptr<WebServer> server = Serve({.metrics = &control});
  const int port = server->port();
  Answer metrics = Send(port, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("loadgen_run_state{state=\"idle\"} 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("process_resident_memory_bytes "));
  EXPECT_EQ(Send(port, "/healthz").body, "ok\n");
  EXPECT_EQ(Send(port, "/other").status, 404);
  EXPECT_EQ(Send(port, "/metrics", "POST").status, 405);
  EXPECT_EQ(Send(port, "/swarm", "POST", "user_count=1&spawn_rate=1").status, 404)
      << "no Locust routes on a metrics-only listener";

  absl::StatusOr<std::unique_ptr<WebServer>> second =
      WebServer::Start({.address = absl::StrCat("127.0.0.1:", port), .flag = "--metrics_address"});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()), StartsWith("cannot serve HTTP on"));
}

TEST(WebServer, RefusesMalformedAddresses) {
  for (const char* address : {"", "9464", "host:port", "127.0.0.1:70000"}) {
    absl::StatusOr<std::unique_ptr<WebServer>> server = WebServer::Start({.address = address});
    EXPECT_FALSE(server.ok()) << address;
    EXPECT_THAT(std::string(server.status().message()), HasSubstr(address));
    EXPECT_THAT(std::string(server.status().message()), HasSubstr("--web_address"));
  }
  EXPECT_THAT(std::string(WebServer::Start({.address = "localhost:0"}).status().message()),
              HasSubstr("cannot serve HTTP on localhost:0"))
      << "a name, not an IP address";
}

TEST(WebServer, SwarmTakesLocustsFormAndAnswersLocustsWay) {
  FakeRunControl control;
  DaemonLocust locust(control);
  std::unique_ptr<WebServer> server = Serve({.locust = &locust});
  const int port = server->port();

  Answer ok = Send(port, "/swarm", "POST",
                   "user_count=50&spawn_rate=2.5&host=http%3A%2F%2Fshop%3A80%3Cb%3E&run_time=1h20m"
                   "&user_classes=Weekend&user_classes=Normal");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, "application/json");
  EXPECT_EQ(ok.body,
            "{\"success\": true, \"message\": \"Swarming started\", \"host\": \"http://shop:80b\", "
            "\"run_time\": 4800, \"user_classes\": [\"Normal\", \"Weekend\"]}\n");
  ASSERT_EQ(control.calls().size(), 1u);
  const FakeRunControl::Call swarm = control.calls()[0];
  EXPECT_EQ(swarm.verb, "Swarm");
  EXPECT_EQ(swarm.swarm.user_count, 50);
  EXPECT_EQ(swarm.swarm.spawn_rate, 2.5);
  EXPECT_EQ(swarm.swarm.host, "http://shop:80b") << "< and > stripped, as Locust does";
  EXPECT_EQ(swarm.swarm.run_time, absl::Minutes(80));
  EXPECT_THAT(swarm.swarm.user_classes, ElementsAre("Weekend", "Normal"));

  // Bad values: Locust's messages, with HTTP 200, and nothing called.
  const std::pair<const char*, const char*> bad[] = {
      {"spawn_rate=1", "Missing user_count or spawn_rate from /swarm request"},
      {"user_count=5", "Missing user_count or spawn_rate from /swarm request"},
      {"user_count=5&spawn_rate=0", "Missing user_count or spawn_rate from /swarm request"},
      {"user_count=5&spawn_rate=1&run_time=5x",
       "Valid run_time formats are : 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc."},
      {"user_count=many&spawn_rate=1", "user_count must be a whole number of users, not 'many'"},
      {"user_count=5&spawn_rate=-1", "spawn_rate must be a positive number, not '-1'"},
  };
  for (const auto& [form, message] : bad) {
    Answer answer = Send(port, "/swarm", "POST", form);
    EXPECT_EQ(answer.status, 200) << form;
    EXPECT_EQ(answer.body, absl::StrCat("{\"success\": false, \"message\": \"", message,
                                        "\", \"host\": \"\"}\n"))
        << form;
  }
  EXPECT_EQ(control.calls().size(), 1u);

  // A name given twice counts once, with its first value, as Locust (Flask) reads a form.
  EXPECT_EQ(Send(port, "/swarm", "POST",
                 "user_count=7&spawn_rate=3&user_count=9&spawn_rate=x&host=a&host=b")
                .status,
            200);
  ASSERT_EQ(control.calls().size(), 2u);
  EXPECT_EQ(control.calls()[1].swarm.user_count, 7);
  EXPECT_EQ(control.calls()[1].swarm.spawn_rate, 3);
  EXPECT_EQ(control.calls()[1].swarm.host, "a");

  control.Answer(absl::InvalidArgumentError("load.pbtxt: unknown user type \"Nobody\""));
  EXPECT_THAT(Send(port, "/swarm", "POST", "user_count=1&spawn_rate=1&user_classes=Nobody").body,
              HasSubstr("\"success\": false, \"message\": \"load.pbtxt: unknown user type "
                        "\\\"Nobody\\\"\""));
  EXPECT_EQ(Send(port, "/swarm").status, 405);
}

TEST(WebServer, StopResetAndTheirAnswersEvenWhenIdle) {
  FakeRunControl control;
  control.Answer(absl::FailedPreconditionError("no run is under way"));
  DaemonLocust locust(control);
  std::unique_ptr<WebServer> server = Serve({.locust = &locust});
  EXPECT_EQ(Send(server->port(), "/stop").body,
            "{\"success\": true, \"message\": \"Test stopped\"}\n");
  EXPECT_EQ(Send(server->port(), "/stats/reset").body, "ok");
  std::vector<std::string> verbs;
  for (const auto& call : control.calls()) verbs.push_back(call.verb);
  EXPECT_THAT(verbs, ElementsAre("Stop", "ResetStats"));
}

TEST(WebServer, StatsRequestsHasLocustsKeysEntriesThenAggregated) {
  FakeRunControl control;
  DaemonStatus status;
  status.position = {.state = RunState::kRunning, .run_number = 1};
  status.run.users = {{.name = "Normal", .target = 10, .active = 10},
                      {.name = "Weekend", .target = 20, .active = 5}};
  control.SetStatus(status);
  StatsSnapshot stats;
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  stats.total_since = t0;
  stats.now = t0 + absl::Seconds(10);
  for (int i = 0; i < 90; ++i) stats.total.Record({"GET", "/", 2000, 100, "", t0});
  for (int i = 0; i < 10; ++i) stats.total.Record({"POST", "/cart", 8000, 0, "HTTP 503", t0});
  stats.current_rates = {{{"GET", "/"}, {9, 0}}, {{"POST", "/cart"}, {1, 1}}};
  control.SetStats(stats);
  DaemonLocust locust(control);
  std::unique_ptr<WebServer> server = Serve({.locust = &locust});

  const std::string body = Send(server->port(), "/stats/requests").body;
  EXPECT_THAT(body, StartsWith("{\"stats\": [{\"method\": \"GET\", \"name\": \"/\", "
                               "\"num_requests\": 90, \"num_failures\": 0, "
                               "\"min_response_time\": 2, \"max_response_time\": 2, "
                               "\"current_rps\": 9, \"current_fail_per_sec\": 0, "
                               "\"total_rps\": 9, \"total_fail_per_sec\": 0, "
                               "\"avg_response_time\": 2, \"median_response_time\": 2, "
                               "\"response_time_percentile_0.95\": 2, "
                               "\"response_time_percentile_0.99\": 2, "
                               "\"avg_content_length\": 100}, {\"method\": \"POST\""));
  EXPECT_THAT(body, HasSubstr("{\"method\": \"\", \"name\": \"Aggregated\", \"num_requests\": "
                              "100, \"num_failures\": 10, \"min_response_time\": 2, "
                              "\"max_response_time\": 8, \"current_rps\": 10, "
                              "\"current_fail_per_sec\": 1, \"total_rps\": 10, "
                              "\"total_fail_per_sec\": 1,"));
  EXPECT_THAT(body, HasSubstr("\"errors\": [{\"method\": \"POST\", \"name\": \"/cart\", "
                              "\"error\": \"HTTP 503\", \"occurrences\": 10, "
                              "\"first_seen\": \"2023-11-14T22:13:20Z\", "
                              "\"last_seen\": \"2023-11-14T22:13:20Z\"}]"));
  EXPECT_THAT(body, HasSubstr("\"total_rps\": 10, \"total_fail_per_sec\": 1, \"current_rps\": "
                              "10, \"current_fail_per_sec\": 1, \"fail_ratio\": 0.1, "
                              "\"current_response_time_percentiles\": "
                              "{\"response_time_percentile_0.5\": null, "
                              "\"response_time_percentile_0.95\": null}"));
  EXPECT_THAT(body, HasSubstr("\"state\": \"spawning\", \"user_count\": 15}"));
  EXPECT_THAT(body, Not(HasSubstr("workers"))) << "only a coordinator has workers";

  Answer csv = Send(server->port(), "/stats/requests/csv");
  EXPECT_EQ(csv.content_type, "text/csv");
  EXPECT_THAT(csv.body, StartsWith("Type,Name,Request Count,Failure Count,Median Response Time"));
  EXPECT_THAT(csv.body, HasSubstr("\r\nPOST,/cart,10,10,8,"));
  EXPECT_THAT(Send(server->port(), "/stats/failures/csv").body,
              HasSubstr("POST,/cart,HTTP 503,10,2023-11-14T22:13:20Z,2023-11-14T22:13:20Z\r\n"));
  EXPECT_EQ(Send(server->port(), "/exceptions").body, "{\"exceptions\": []}\n");
  EXPECT_EQ(Send(server->port(), "/exceptions/csv").body, "Count,Message,Traceback,Nodes\r\n");
}

TEST(WebServer, EveryRouteButHealthAndMetricsNeedsTheToken) {
  FakeRunControl control;
  DaemonLocust locust(control);
  std::unique_ptr<WebServer> server =
      Serve({.metrics = &control, .locust = &locust, .token = ControlToken("s3cret")});
  const int port = server->port();
  EXPECT_EQ(Send(port, "/healthz").status, 200);
  EXPECT_EQ(Send(port, "/metrics").status, 200);
  for (const char* route : {"/stats/requests", "/stop", "/stats/reset", "/nowhere"}) {
    EXPECT_EQ(Send(port, route).status, 401) << route;
    EXPECT_EQ(Send(port, route, "GET", "", "wrong").status, 401) << route;
  }
  EXPECT_EQ(Send(port, "/swarm", "POST", "user_count=1&spawn_rate=1").status, 401);
  EXPECT_TRUE(control.calls().empty()) << "nothing ran without the token";
  EXPECT_EQ(Send(port, "/stats/requests", "GET", "", "s3cret").status, 200);
  EXPECT_EQ(Send(port, "/nowhere", "GET", "", "s3cret").status, 404);
}

TEST(WebServer, AnOversizedBodyIs413) {
  FakeRunControl control;
  DaemonLocust locust(control);
  std::unique_ptr<WebServer> server = Serve({.locust = &locust});
  // The length is refused from the header, before any of the body is read.
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect(
      {boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(server->port())});
  const std::string head =
      "POST /swarm HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2097152\r\n\r\n";
  boost::asio::write(socket, boost::asio::buffer(head));
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  EXPECT_EQ(response.result_int(), 413u);
  EXPECT_EQ(response.body(), "the body is over 1048576 bytes\n");
  EXPECT_TRUE(control.calls().empty());
  EXPECT_EQ(Send(server->port(), "/healthz").status, 200) << "the server goes on";
}

}  // namespace
}  // namespace loadgen
