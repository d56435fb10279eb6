#include "load_generation/http/http_client.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_future.hpp"
#include "boost/asio/write.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "load_generation/http/http_server.h"
#include "load_generation/testing/self_signed.h"

namespace loadgen {
namespace {

using ::loadgen::HttpServer;
using ::loadgen::ServerRequest;
using ::loadgen::ServerResponse;
using ::testing::ElementsAre;
using ::testing::Pair;

// One session against one server, driven on the test's thread.
class HttpSessionTest : public ::testing::Test {
 protected:
  void StartSession(const std::string& url) {
    auto target = ParseHttpTarget(url);
    ASSERT_TRUE(target.ok()) << target.status();
    settings_.target = *target;
    session_ = std::make_unique<HttpSession>(io_.get_executor(), settings_, stats_, clock_);
  }

  // Runs `awaitable` on the loop. `then`, if given, runs on the loop after the awaitable's
  // first step, which writes a request on a connection kept alive.
  template <typename T>
  T Run(Awaitable<T> awaitable, std::function<void()> then = {}) {
    std::future<T> result = asio::co_spawn(io_, std::move(awaitable), asio::use_future);
    if (then) asio::post(io_, std::move(then));
    // Until the result is in, not until the loop runs dry: the session's timeout wait stays
    // pending after a request.
    io_.restart();
    while (result.wait_for(std::chrono::seconds(0)) != std::future_status::ready &&
           io_.run_one() > 0) {
    }
    return result.get();
  }

  // A copy of what a response says, as views die with the next request.
  struct Seen {
    int status;
    std::string body;
    HttpError error;
    std::string error_text;
  };
  Seen Get(const std::string& path, RequestOptions options = {}, std::function<void()> then = {}) {
    return Run(
        [&]() -> Awaitable<Seen> {
          HttpResponse r = co_await session_->Get(path, options);
          co_return Seen{r.status(), std::string(r.body()), r.error(), std::string(r.error_text())};
        }(),
        std::move(then));
  }

  asio::io_context io_;
  RealClock clock_;
  StatsShard stats_;
  HttpSettings settings_;
  std::unique_ptr<HttpSession> session_;
};

TEST_F(HttpSessionTest, KeepsTheConnectionAliveAndRecordsStatsUnderTheName) {
  HttpServer server(
      [](const ServerRequest& r) { return ServerResponse{.body = "hi " + r.target}; });
  StartSession(server.url() + "/api/");
  Seen first = Get("/product/1", {.name = "/product/[id]"});
  Seen second = Get("/product/2", {.name = "/product/[id]"});
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(second.body, "hi /api/product/2");
  EXPECT_EQ(session_->connections_opened(), 1);
  EXPECT_EQ(server.connections(), 1);

  StatsTable table = stats_.Snapshot();
  auto entries = table.Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].first.method, "GET");
  EXPECT_EQ(entries[0].first.name, "/product/[id]");
  EXPECT_EQ(entries[0].second->requests, 2);
  EXPECT_EQ(entries[0].second->failures, 0);
  EXPECT_EQ(entries[0].second->content_bytes, 2 * std::string("hi /api/product/1").size());

  std::vector<ServerRequest> requests = server.TakeRequests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers["host"], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(requests[0].headers["user-agent"], "loadgen/1.0");
}

TEST_F(HttpSessionTest, SendsARequestWrittenByTheCallerAsItIs) {
  std::vector<ServerRequest> seen;
  HttpServer server([&](const ServerRequest& r) {
    seen.push_back(r);
    return ServerResponse{.body = "body of " + r.method,
                          .headers = {{"X-Answer", "42"}, {"Set-Cookie", "a=1"}}};
  });
  StartSession(server.url());
  // An absolute URL in the request line goes as given; the connection goes to the target.
  const std::string post =
      "POST http://elsewhere:5000/hotels?in=1 HTTP/1.1\r\nHost: elsewhere\r\n"
      "Content-Length: 3\r\n\r\nabc";
  struct Answer {
    int status;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  auto send = [&](const std::string& wire, absl::string_view method) {
    return Run([&]() -> Awaitable<Answer> {
      HttpResponse r = co_await session_->Send(wire, method, "/hotels");
      Answer answer{r.status(), std::string(r.body()), {}};
      r.ForEachHeader([&](absl::string_view name, absl::string_view value) {
        answer.headers.emplace_back(name, value);
      });
      co_return answer;
    }());
  };
  Answer posted = send(post, "POST");
  EXPECT_EQ(posted.status, 200);
  EXPECT_EQ(posted.body, "body of POST");
  EXPECT_THAT(posted.headers, ::testing::Contains(Pair("X-Answer", "42")));
  // A HEAD's answer has no body, whatever its Content-Length says, and the connection stays in
  // step for the next request.
  Answer head = send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(send(post, "POST").body, "body of POST");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].target, "http://elsewhere:5000/hotels?in=1");
  EXPECT_EQ(seen[0].headers["host"], "elsewhere");
  EXPECT_EQ(seen[0].body, "abc");
  EXPECT_EQ(seen[2].headers.count("cookie"), 0u);  // nothing added to what the caller wrote
  EXPECT_EQ(server.connections(), 1);
  EXPECT_GT(session_->bytes_read(), 3 * static_cast<int64_t>(sizeof "HTTP/1.1 200 OK\r\n"));
  const StatsTable table = stats_.Snapshot();
  ASSERT_EQ(table.Entries().size(), 2u);  // by (name, method): HEAD, then POST
  EXPECT_EQ(table.Entries()[1].first.method, "POST");
  EXPECT_EQ(table.Entries()[1].first.name, "/hotels");
  EXPECT_EQ(table.Entries()[1].second->requests, 2);
}

TEST_F(HttpSessionTest, KeepsCookiesTheServerSetsAndDropsExpiredOnes) {
  int n = 0;
  HttpServer server([&n](const ServerRequest&) {
    ++n;
    ServerResponse r;
    if (n == 1)
      r.headers = {{"Set-Cookie", "shop_session-id=abc; Path=/; HttpOnly"},
                   {"Set-Cookie", "shop_currency=USD"}};
    if (n == 2) r.headers = {{"Set-Cookie", "shop_currency=EUR; Max-Age=3600"}};
    if (n == 3) r.headers = {{"Set-Cookie", "shop_session-id=; Max-Age=0"}};
    return r;
  });
  StartSession(server.url());
  Get("/");
  Get("/");
  EXPECT_THAT(session_->cookies(),
              ElementsAre(Pair("shop_session-id", "abc"), Pair("shop_currency", "EUR")));
  Get("/");
  Get("/");
  EXPECT_THAT(session_->cookies(), ElementsAre(Pair("shop_currency", "EUR")));
  std::vector<ServerRequest> requests = server.TakeRequests();
  EXPECT_EQ(requests[0].headers.count("cookie"), 0u);
  EXPECT_EQ(requests[1].headers["cookie"], "shop_session-id=abc; shop_currency=USD");
  EXPECT_EQ(requests[3].headers["cookie"], "shop_currency=EUR");
}

// A request like the one before (method, path, cookies) goes out as it was written then, without
// being written again; anything else is written anew.
TEST_F(HttpSessionTest, EachRequestGoesOutAsAsked) {
  HttpServer server([](const ServerRequest&) { return ServerResponse{.body = "ok"}; });
  StartSession(server.url());
  const HttpHeader header[] = {{"X-Note", "1"}};
  Get("/a");
  Get("/a");
  Get("/b");
  Get("/b", {.headers = header});
  Get("/b");
  Run([&]() -> Awaitable<void> {
    co_await session_->Post("/b", "x=1");
    co_await session_->Send("GET /raw HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "raw");
    co_await session_->Request(http::verb::head, "/b", "", {});
  }());
  Get("/b");
  std::vector<std::string> seen;
  for (ServerRequest& r : server.TakeRequests()) {
    seen.push_back(absl::StrCat(r.method, " ", r.target, " ", r.headers["x-note"], r.body));
  }
  EXPECT_THAT(seen, ElementsAre("GET /a ", "GET /a ", "GET /b ", "GET /b 1", "GET /b ",
                                "POST /b x=1", "GET /raw ", "HEAD /b ", "GET /b "));
}

TEST_F(HttpSessionTest, PostsAFormWithItsContentType) {
  HttpServer server([](const ServerRequest&) { return ServerResponse{}; });
  StartSession(server.url());
  std::string form =
      FormEncode({{"product_id", "OLJCESPC7Z"}, {"quantity", "10"}, {"note", "a b&c"}});
  Run([&]() -> Awaitable<void> { co_await session_->Post("/cart", form); }());
  std::vector<ServerRequest> requests = server.TakeRequests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].body, "product_id=OLJCESPC7Z&quantity=10&note=a%20b%26c");
  EXPECT_EQ(requests[0].headers["content-type"], "application/x-www-form-urlencoded");
  EXPECT_EQ(requests[0].headers["content-length"], "48");
}

TEST_F(HttpSessionTest, HeadersGivenReplaceTheDefaultsButNotTheBodysLength) {
  HttpServer server([](const ServerRequest&) { return ServerResponse{}; });
  StartSession(server.url());
  const std::vector<HttpHeader> headers = {{"User-Agent", "custom/2"},
                                           {"Content-Type", "application/json"},
                                           {"Content-Length", "99"},
                                           {"X-Trace", "t1"}};
  Run([&]() -> Awaitable<void> {
    co_await session_->Post("/api", "{\"a\":1}", {.headers = headers});
    co_await session_->Get("/");
  }());
  std::vector<ServerRequest> requests = server.TakeRequests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers["user-agent"], "custom/2");
  EXPECT_EQ(requests[0].headers["content-type"], "application/json");
  EXPECT_EQ(requests[0].headers["content-length"], "7") << "the body's own length";
  EXPECT_EQ(requests[0].headers["x-trace"], "t1");
  EXPECT_EQ(requests[0].body, "{\"a\":1}");
  EXPECT_EQ(requests[1].headers["user-agent"], "loadgen/1.0") << "for that request only";
  EXPECT_EQ(requests[1].headers.count("x-trace"), 0u);
  EXPECT_EQ(requests[1].headers.count("content-length"), 0u) << "a GET without a body";
}

TEST_F(HttpSessionTest, StatusFromFourHundredIsAFailureUnlessTheCheckSaysOtherwise) {
  HttpServer server([](const ServerRequest& r) {
    return ServerResponse{.status = r.target == "/missing" ? 404 : 200,
                          .body = r.target == "/soft" ? "error: out of stock" : "ok"};
  });
  StartSession(server.url());
  Seen missing = Get("/missing");
  EXPECT_EQ(missing.error, HttpError::kStatus);
  EXPECT_EQ(missing.error_text, "HTTP 404");
  EXPECT_EQ(missing.status, 404);

  auto accept_404 = [](const HttpResponse& r) {
    return r.status() == 404 || r.status() == 200 ? std::string() : "unexpected";
  };
  EXPECT_EQ(Get("/missing", {.check = accept_404}).error, HttpError::kNone);
  auto body_check = [](const HttpResponse& r) {
    return absl::StartsWith(r.body(), "error:") ? std::string("error in body") : std::string();
  };
  Seen soft = Get("/soft", {.name = "soft", .check = body_check});
  EXPECT_EQ(soft.error_text, "error in body");

  const StatsTable table = stats_.Snapshot();
  auto failures = table.Failures();
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].first.error, "HTTP 404");
  EXPECT_EQ(failures[1].first.name, "soft");
  EXPECT_EQ(failures[1].first.error, "error in body");
}

TEST_F(HttpSessionTest, CrLfInAPathOrHeaderIsAFailureAndNothingIsSent) {
  HttpServer server([](const ServerRequest&) { return ServerResponse{.body = "ok"}; });
  StartSession(server.url());
  const HttpHeader smuggling[] = {{"X-Note", "a\r\nX-Admin: 1"}};
  Seen header = Get("/", {.name = "header", .headers = smuggling});
  EXPECT_EQ(header.error, HttpError::kBadRequest);
  EXPECT_EQ(header.error_text, "bad request: a control character in the value of header X-Note");
  Seen path = Get("/a HTTP/1.1\r\nHost: x\r\n\r\nGET /b", {.name = "path"});
  EXPECT_EQ(path.error, HttpError::kBadRequest);
  const HttpHeader bad_name[] = {{"X-A\r\nX-B", "1"}};
  EXPECT_EQ(Get("/", {.name = "name", .headers = bad_name}).error, HttpError::kBadRequest);
  EXPECT_EQ(server.requests(), 0) << "nothing went on the wire";
  EXPECT_EQ(stats_.Snapshot().Total().failures, 3) << "each counted as a failure";
  const HttpHeader tab[] = {{"X-Note", "a\tb"}};
  EXPECT_EQ(Get("/", {.headers = tab}).error, HttpError::kNone) << "a tab is allowed in a value";
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(HttpSessionTest, ConnectionRefusedIsAFailureNotAnException) {
  int port;
  {
    HttpServer gone([](const ServerRequest&) { return ServerResponse{}; });
    port = gone.port();
  }
  StartSession("http://127.0.0.1:" + std::to_string(port));
  Seen seen = Get("/");
  EXPECT_EQ(seen.error, HttpError::kConnectionRefused);
  EXPECT_EQ(seen.error_text, "connection refused");
  EXPECT_EQ(seen.status, 0);
  EXPECT_EQ(stats_.Snapshot().Total().failures, 1);
}

TEST_F(HttpSessionTest, SlowResponseTimesOut) {
  HttpServer server(
      [](const ServerRequest&) { return ServerResponse{.delay = absl::Milliseconds(800)}; });
  settings_.request_timeout = absl::Milliseconds(100);
  StartSession(server.url());
  Seen seen = Get("/");
  EXPECT_EQ(seen.error, HttpError::kTimeout);
  EXPECT_EQ(seen.error_text, "timeout");
  RequestStats total = stats_.Snapshot().Total();
  EXPECT_GE(total.latency_us.Max(), 100000);
  EXPECT_LT(total.latency_us.Max(), 700000);
}

// A loopback server that hands each connection, one at a time, to `serve`, which misbehaves
// as a test needs on the raw socket; it should return once `stop` is set or the client is gone.
class RawServer {
 public:
  using Serve = std::function<void(asio::ip::tcp::socket&, const std::atomic<bool>& stop)>;
  explicit RawServer(Serve serve) : serve_(std::move(serve)) {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] {
      while (!stop_) {
        asio::ip::tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stop_) return;
        ++connections_;
        serve_(socket, stop_);
      }
    });
  }
  ~RawServer() {
    stop_ = true;
    boost::system::error_code ignored;
    asio::ip::tcp::socket wake(io_);
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  int connections() const { return connections_; }

 private:
  Serve serve_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

// Answers a request with a chunked body that never ends, as fast as it can write.
void EndlessChunkedBody(asio::ip::tcp::socket& socket, const std::atomic<bool>& stop) {
  boost::system::error_code ec;
  char request[4096];
  socket.read_some(asio::buffer(request), ec);
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  asio::write(socket, asio::buffer(head), ec);
  const std::string chunk = "4000\r\n" + std::string(0x4000, 'x') + "\r\n";
  for (int i = 0; !ec && !stop && i < 200000; ++i) asio::write(socket, asio::buffer(chunk), ec);
}

TEST_F(HttpSessionTest, TheTimeoutHoldsWhileABodyStreamsWithoutPause) {
  RawServer server(&EndlessChunkedBody);
  settings_.request_timeout = absl::Milliseconds(200);
  settings_.max_body_bytes = uint64_t{1} << 40;  // only the timeout can end it
  StartSession(server.url());
  EXPECT_EQ(Get("/").error, HttpError::kTimeout);
}

TEST_F(HttpSessionTest, TheBodyLimitHoldsForChunkedBodies) {
  RawServer server(&EndlessChunkedBody);
  settings_.max_body_bytes = 1 << 20;
  StartSession(server.url());
  const Seen seen = Get("/");
  EXPECT_EQ(seen.error, HttpError::kBadResponse);
  EXPECT_THAT(seen.error_text, ::testing::HasSubstr("body limit"));
}

TEST_F(HttpSessionTest, LargeResponseHeadersAreAcceptedUpToTheLimit) {
  const std::string cookie(40 << 10, 'c');  // 40 KB: over Beast's 8 KB default
  HttpServer server([&](const ServerRequest&) {
    return ServerResponse{.headers = {{"Set-Cookie", "token=" + cookie}}};
  });
  StartSession(server.url());
  EXPECT_EQ(Get("/").error, HttpError::kNone);
  settings_.max_header_bytes = 16 << 10;
  StartSession(server.url());
  const Seen seen = Get("/");
  EXPECT_EQ(seen.error, HttpError::kBadResponse);
  EXPECT_THAT(seen.error_text, ::testing::HasSubstr("header limit"));
}

TEST_F(HttpSessionTest, InterimResponsesAreReadPast) {
  HttpServer server([](const ServerRequest&) {
    return ServerResponse{.raw =
                              "HTTP/1.1 100 Continue\r\n\r\n"
                              "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                              "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone"};
  });
  StartSession(server.url());
  const Seen seen = Get("/");
  EXPECT_EQ(seen.error, HttpError::kNone);
  EXPECT_EQ(seen.status, 201);
  EXPECT_EQ(seen.body, "done");
}

// Where a raw answer is split into two writes, 50 ms apart (two TCP segments).
constexpr char kLater[] = "<50 ms later>";

// Keeps the connection and answers each request head with the raw bytes `answer` gives for its
// target.
RawServer::Serve KeepAliveAnswers(const std::function<std::string(const std::string&)>& answer) {
  return [answer](asio::ip::tcp::socket& socket, const std::atomic<bool>&) {
    boost::system::error_code ec;
    std::string buffer;
    while (!ec) {
      const size_t end = buffer.find("\r\n\r\n");
      if (end == std::string::npos) {
        char chunk[4096];
        const size_t n = socket.read_some(asio::buffer(chunk), ec);
        buffer.append(chunk, n);
        continue;
      }
      const size_t space = buffer.find(' ');
      const std::string target = buffer.substr(space + 1, buffer.find(' ', space + 1) - space - 1);
      buffer.erase(0, end + 4);
      const std::string bytes = answer(target);
      const size_t later = bytes.find(kLater);
      asio::write(socket, asio::buffer(bytes.substr(0, later)), ec);
      if (later == std::string::npos) continue;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      asio::write(socket, asio::buffer(bytes.substr(later + sizeof kLater - 1)), ec);
    }
  };
}

TEST_F(HttpSessionTest, AResponseInTwoSegmentsIsReadWhole) {
  // Cut in the status line, in a header, before the body and in it; a body longer than the
  // first read; and again after each, on the same connection.
  const std::string long_body(5000, 'x');
  const std::map<std::string, std::string> answers = {
      {"/status", absl::StrCat("HTTP/1.", kLater, "1 200 OK\r\nContent-Length: 2\r\n\r\nok")},
      {"/header",
       absl::StrCat("HTTP/1.1 200 OK\r\nX-Cut: a", kLater, "b\r\nContent-Length: 2\r\n\r\nok")},
      {"/body", absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", kLater, "ok")},
      {"/mid", absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no", kLater, "k")},
      {"/long", absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",
                             long_body.substr(0, 1000), kLater, long_body.substr(1000))},
      {"/whole", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}};
  RawServer server(KeepAliveAnswers([&](const std::string& target) { return answers.at(target); }));
  StartSession(server.url());
  for (int round = 0; round < 2; ++round) {
    for (const auto& [path, answer] : answers) {
      const Seen seen = Get(path);
      EXPECT_EQ(seen.error, HttpError::kNone) << path << ": " << seen.error_text;
      EXPECT_EQ(seen.status, 200) << path;
      EXPECT_EQ(seen.body, path == "/long" ? long_body : "ok") << path;
    }
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(stats_.TakeAndReset().Total().failures, 0);
  session_.reset();
}

TEST_F(HttpSessionTest, AnAnswerCutByTheServersCloseIsAFailureNotARetry) {
  // The second answer on the connection stops in its header, and the server closes: that is no
  // connection closed while idle, to be tried again on a new one.
  RawServer server([](asio::ip::tcp::socket& socket, const std::atomic<bool>&) {
    boost::system::error_code ec;
    char chunk[4096];
    socket.read_some(asio::buffer(chunk), ec);
    asio::write(socket, asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")),
                ec);
    socket.read_some(asio::buffer(chunk), ec);
    asio::write(socket, asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Len")), ec);
  });
  StartSession(server.url());
  EXPECT_EQ(Get("/").error, HttpError::kNone);
  EXPECT_NE(Get("/").error, HttpError::kNone);
  EXPECT_EQ(server.connections(), 1);
  session_.reset();
}

TEST_F(HttpSessionTest, ABodyOnA204IsNotTheNextRequestsAnswer) {
  // A 204 must not carry a body; this server sends one anyway and keeps the connection.
  RawServer server(KeepAliveAnswers([](const std::string& target) -> std::string {
    if (target == "/empty") return "HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\noops";
    return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  }));
  StartSession(server.url());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Get("/empty").status, 204);
    const Seen next = Get("/next");
    EXPECT_EQ(next.error, HttpError::kNone) << next.error_text;
    EXPECT_EQ(next.body, "ok");
  }
  EXPECT_EQ(Get("/next").body, "ok");
  EXPECT_EQ(Get("/next").body, "ok");
  EXPECT_EQ(server.connections(), 6) << "a new connection after each 204 only";
  session_.reset();  // closes the connection the server reads from, before the server ends
}

TEST_F(HttpSessionTest, ABodyOnA204InALaterSegmentIsNotTheNextRequestsAnswer) {
  // The body comes 50 ms after the head: once the client has read the response and moved on.
  for (const std::string length : {"Content-Length: 4\r\n", ""}) {
    RawServer server(KeepAliveAnswers([&](const std::string& target) -> std::string {
      if (target == "/empty")
        return "HTTP/1.1 204 No Content\r\n" + length + "\r\n" + kLater + "oops";
      if (target == "/old")
        return "HTTP/1.1 304 Not Modified\r\n" + length + "\r\n" + kLater + "oops";
      return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    }));
    StartSession(server.url());
    for (const char* path : {"/empty", "/old", "/empty"}) {
      const Seen empty = Get(path);
      EXPECT_EQ(empty.error, HttpError::kNone) << empty.error_text;
      std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the user's pause
      const Seen next = Get("/next");
      EXPECT_EQ(next.error, HttpError::kNone)
          << "after " << path << " " << length << next.error_text;
      EXPECT_EQ(next.body, "ok");
    }
    EXPECT_EQ(stats_.TakeAndReset().Total().failures, 0) << length;
    session_.reset();
  }
}

// A server that answers the n-th request of its connection (with `body`) once the test has
// released n, and says when it has received and answered it.
class GatedServer {
 public:
  explicit GatedServer(absl::string_view body)
      : answer_(absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", body.size(), "\r\n\r\n", body)),
        server_([this](asio::ip::tcp::socket& socket, const std::atomic<bool>&) {
          std::string in;
          char buffer[4096];
          boost::system::error_code ec;
          for (int n = 1;; ++n) {
            while (!absl::StrContains(in, "\r\n\r\n")) {
              const size_t read = socket.read_some(asio::buffer(buffer), ec);
              if (ec) return;  // the client is gone
              in.append(buffer, read);
            }
            in.erase(0, in.find("\r\n\r\n") + 4);
            Set(received_, n);
            if (!WaitFor(released_, n)) return;
            asio::write(socket, asio::buffer(answer_), ec);
            Set(answered_, n);
          }
        }) {}
  ~GatedServer() { Set(released_, 1 << 30); }
  std::string url() const { return server_.url(); }
  void Release(int n) { Set(released_, n); }
  // False if the n-th answer did not come in a time only a broken test could take.
  bool WaitUntilAnswered(int n) { return WaitFor(answered_, n); }
  int received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }

 private:
  void Set(int& counter, int n) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      counter = n;
    }
    changed_.notify_all();
  }
  bool WaitFor(const int& counter, int n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return counter >= n; });
  }

  const std::string answer_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int received_ = 0;
  int released_ = 0;
  int answered_ = 0;
  RawServer server_;  // last: its thread stops before the members it uses go
};

// An exchange's answer is read once the loop has done its other work at hand: these tests put
// that work between the request's write and the later read, and order the server's answer
// against the read (no timing).
class LaterReadTest : public HttpSessionTest, public ::testing::WithParamInterface<size_t> {
 protected:
  void SetUp() override { StartSession(server_.url()); }
  void TearDown() override { session_.reset(); }  // the server's thread ends with the connection

  // Other work, after the request is written, that lasts until the n-th answer is there.
  std::function<void()> AnsweredMeanwhile(int n) {
    return [this, n] {
      server_.Release(n);
      ASSERT_TRUE(server_.WaitUntilAnswered(n));
    };
  }
  // Other work that ends before the n-th answer comes: the loop goes round until the request is
  // written (the later read is queued then), and the answer is let go after that read.
  std::function<void()> AnsweredAfterTheRead(int n) {
    return [this, n] { AnswerAfterTheRead(n); };
  }

  const std::string body_ = std::string(GetParam(), 'x');
  GatedServer server_{body_};

 private:
  void AnswerAfterTheRead(int n) {
    if (server_.received() < n && std::chrono::steady_clock::now() < deadline_) {
      asio::post(io_, [this, n] { AnswerAfterTheRead(n); });
    } else {
      asio::post(io_, [this, n] { server_.Release(n); });
    }
  }
  const std::chrono::steady_clock::time_point deadline_ =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
};

// The answer is read without a wait on the socket when it is there by then. When it is not,
// the read waits on the socket, and the next exchange reads as usual. An answer larger than a
// read takes the rest as usual.
TEST_P(LaterReadTest, ReadsTheAnswerAfterTheLoopsWorkAtHandWhenItIsThere) {
  // Each exchange: what the loop does meanwhile, and the later reads counted after it.
  const std::vector<std::pair<std::function<void()>, int64_t>> exchanges = {
      {AnsweredAfterTheRead(1), 0},  // connects; read as usual
      // After a later read that found nothing, the next exchange does not try; the one after does.
      {AnsweredMeanwhile(2), 0},
      {AnsweredMeanwhile(3), 1},
      {AnsweredMeanwhile(4), 2},
      {AnsweredAfterTheRead(5), 2},
      {AnsweredMeanwhile(6), 2},
      {AnsweredMeanwhile(7), 3},
  };
  for (size_t i = 0; i < exchanges.size(); ++i) {
    EXPECT_EQ(Get("/", {}, exchanges[i].first).body, body_) << "exchange " << i + 1;
    EXPECT_EQ(session_->later_reads(), exchanges[i].second) << "exchange " << i + 1;
  }
  EXPECT_EQ(stats_.Snapshot().Total().failures, 0);
}

// A cancel between the write and the later read ends the exchange as cancelled. The socket is
// gone by then, and the read does not touch it (ASan would see it).
TEST_P(LaterReadTest, ACancelBeforeTheLaterReadEndsTheExchange) {
  ASSERT_EQ(Get("/", {}, AnsweredAfterTheRead(1)).body, body_);  // the next reads as usual
  ASSERT_EQ(Get("/", {}, AnsweredMeanwhile(2)).body, body_);
  EXPECT_EQ(Get("/", {}, [this] { session_->Cancel(); }).error, HttpError::kCancelled);
  EXPECT_EQ(session_->later_reads(), 0);
}

// 10,000 bytes: five reads at the first read's size, and within the sockets' buffers (the
// server writes it whole while the loop waits).
INSTANTIATE_TEST_SUITE_P(Bodies, LaterReadTest, ::testing::Values(2, 10000));

TEST_F(HttpSessionTest, GarbageIsABadResponse) {
  HttpServer server(
      [](const ServerRequest&) { return ServerResponse{.raw = "SMTP ready\r\n\r\n"}; });
  StartSession(server.url());
  Seen seen = Get("/");
  EXPECT_EQ(seen.error, HttpError::kBadResponse);
  EXPECT_THAT(seen.error_text, ::testing::StartsWith("bad response: "));
}

TEST_F(HttpSessionTest, ConnectionClosedMidResponseIsAReset) {
  HttpServer server([](const ServerRequest&) {
    return ServerResponse{.raw = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part"};
  });
  StartSession(server.url());
  Seen seen = Get("/");
  EXPECT_EQ(seen.error, HttpError::kReset);
}

TEST_F(HttpSessionTest, ABodyThatRunsUntilTheConnectionClosesIsReadWhole) {
  HttpServer server([](const ServerRequest&) {
    return ServerResponse{.raw = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"};
  });
  StartSession(server.url());
  for (int i = 0; i < 2; ++i) {
    Seen seen = Get("/");
    EXPECT_EQ(seen.error, HttpError::kNone) << seen.error_text;
    EXPECT_EQ(seen.body, "all of it");
  }
  EXPECT_EQ(session_->connections_opened(), 2);
}

TEST_F(HttpSessionTest, ReconnectsWhenTheServerClosesAndRetriesAStaleConnectionOnce) {
  int n = 0;
  HttpServer server([&n](const ServerRequest&) {
    ++n;
    if (n == 1) return ServerResponse{.close = true};  // says Connection: close
    // Looks kept alive but is closed: the client finds out on its next request.
    return ServerResponse{.raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
  });
  StartSession(server.url());
  EXPECT_EQ(Get("/").error, HttpError::kNone);
  EXPECT_EQ(Get("/").error, HttpError::kNone);
  EXPECT_EQ(Get("/").error, HttpError::kNone);
  EXPECT_EQ(session_->connections_opened(), 3);
  EXPECT_EQ(stats_.Snapshot().Total().failures, 0);
  EXPECT_EQ(stats_.Snapshot().Total().requests, 3);
}

TEST_F(HttpSessionTest, CancelEndsTheRequestInFlightCountedAsCancelledAtStop) {
  HttpServer server([](const ServerRequest&) { return ServerResponse{.delay = absl::Seconds(5)}; });
  StartSession(server.url());
  asio::steady_timer timer(io_, std::chrono::milliseconds(50));
  timer.async_wait([this](boost::system::error_code) { session_->Cancel(); });
  auto start = absl::Now();
  Seen seen = Get("/");
  EXPECT_EQ(seen.error, HttpError::kCancelled);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(Get("/").error, HttpError::kCancelled);
  const RequestStats total = stats_.Snapshot().Total();
  EXPECT_EQ(total.cancelled_at_stop, 1) << "the one in flight; the one never sent is not counted";
  EXPECT_EQ(total.requests, 0);
  EXPECT_EQ(total.failures, 0);
}

// A TLS server context with a fresh self-signed certificate for "localhost".
class SelfSignedTls {
 public:
  SelfSignedTls() : context_(asio::ssl::context::tls_server) {
    const testing::PemPair pem = testing::SelfSignedLocalhost();
    context_.use_certificate_chain(asio::buffer(pem.cert));
    context_.use_private_key(asio::buffer(pem.key), asio::ssl::context::pem);
  }
  asio::ssl::context& context() { return context_; }

 private:
  asio::ssl::context context_;
};

TEST_F(HttpSessionTest, SpeaksHttpsAndRefusesAnUntrustedCertificateWhenVerifying) {
  SelfSignedTls tls;
  HttpServer server(
      [](const ServerRequest& r) { return ServerResponse{.body = "tls " + r.target}; }, 1, true, 0,
      &tls.context());
  asio::ssl::context client(asio::ssl::context::tls_client);
  settings_.tls_context = &client;
  settings_.tls_verify = false;
  StartSession("https://localhost:" + std::to_string(server.port()));
  Seen seen = Get("/secure");
  EXPECT_EQ(seen.error, HttpError::kNone) << seen.error_text;
  EXPECT_EQ(seen.body, "tls /secure");
  EXPECT_EQ(Get("/again").error, HttpError::kNone);
  EXPECT_EQ(session_->connections_opened(), 1) << "kept alive";

  client.set_verify_mode(asio::ssl::verify_peer);
  settings_.tls_verify = true;
  StartSession("https://localhost:" + std::to_string(server.port()));
  Seen untrusted = Get("/secure");
  EXPECT_EQ(untrusted.error, HttpError::kTls);
  EXPECT_THAT(untrusted.error_text, ::testing::StartsWith("TLS handshake: "));
}

TEST_F(HttpSessionTest, ResolvesHostNames) {
  HttpServer server([](const ServerRequest&) { return ServerResponse{}; });
  StartSession("http://localhost:" + std::to_string(server.port()));
  EXPECT_EQ(Get("/").error, HttpError::kNone);
  EXPECT_EQ(server.TakeRequests()[0].headers["host"], "localhost:" + std::to_string(server.port()));
}

}  // namespace
}  // namespace loadgen
