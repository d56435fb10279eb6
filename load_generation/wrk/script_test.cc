#include "load_generation/wrk/script.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const WrkUrl kUrl{.scheme = "http", .host = "frontend", .port = "5000", .path = "/index?x=1"};

std::string WriteScript(const std::string& name, const std::string& text) {
  std::string path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
  std::ofstream(path) << text;
  return path;
}

std::unique_ptr<WrkScript> Load(const std::string& text,
                                const std::vector<std::string>& headers = {}) {
  absl::StatusOr<std::unique_ptr<WrkScript>> script =
      WrkScript::Load(WriteScript("script.lua", text), kUrl, headers);
  EXPECT_TRUE(script.ok()) << script.status();
  return script.ok() ? *std::move(script) : nullptr;
}

// Runs `expression` in the script's state and returns its value, as tostring shows it.
std::string Eval(WrkScript& script, const std::string& expression) {
  return script.GlobalAsString(expression.c_str());
}

TEST(WrkScript, FormatWritesTheRequestByteForByte) {
  auto s = Load(R"(
    plain = wrk.format()
    post = wrk.format("POST", "/user", {["Content-Type"] = "text/plain", ["X-B"] = "2"}, "hello")
    absolute = wrk.format(nil, "http://localhost:5000/hotels?inDate=2015-04-09")
    own_host = wrk.format("GET", "/", {host = "other:1", ["Content-Length"] = "99"})
  )");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(Eval(*s, "plain"), "GET /index?x=1 HTTP/1.1\r\nHost: frontend:5000\r\n\r\n");
  EXPECT_EQ(Eval(*s, "post"),
            "POST /user HTTP/1.1\r\nHost: frontend:5000\r\nContent-Type: text/plain\r\n"
            "X-B: 2\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(Eval(*s, "absolute"),
            "GET http://localhost:5000/hotels?inDate=2015-04-09 HTTP/1.1\r\n"
            "Host: frontend:5000\r\n\r\n");
  EXPECT_EQ(Eval(*s, "own_host"), "GET / HTTP/1.1\r\nHost: other:1\r\n\r\n")
      << "the request's own Host; no length without a body";
}

TEST(WrkScript, TheWrkTableHasTheUrlAndTheCommandLinesHeaders) {
  auto s = Load(R"(
    parts = table.concat({wrk.scheme, wrk.host, wrk.port, wrk.path, wrk.method}, " ")
    header = wrk.headers["X-Token"]
    request = wrk.format()
  )",
                {"X-Token: abc", "Host: api.example", "malformed"});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(Eval(*s, "parts"), "http frontend 5000 /index?x=1 GET");
  EXPECT_EQ(Eval(*s, "header"), "abc");
  EXPECT_EQ(Eval(*s, "request"),
            "GET /index?x=1 HTTP/1.1\r\nHost: api.example\r\nX-Token: abc\r\n\r\n");
}

TEST(WrkScript, InitGetsTheUrlAndTheScriptArgumentsAndMakesTheStaticRequest) {
  auto s = Load(R"(
    function init(args)
      seen = args[0] .. "|" .. table.concat(args, ",")
      wrk.method = "DELETE"
    end
  )");
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->Init({"http://frontend:5000/index?x=1", "a", "b"}).ok());
  EXPECT_EQ(Eval(*s, "seen"), "http://frontend:5000/index?x=1|a,b");
  EXPECT_FALSE(s->HasFunction("request"));
  EXPECT_EQ(*s->Request(), "DELETE /index?x=1 HTTP/1.1\r\nHost: frontend:5000\r\n\r\n");
}

TEST(WrkScript, RequestResponseAndDelayCallTheScript) {
  auto s = Load(R"(
    local n = 0
    function request() n = n + 1; return wrk.format("GET", "/item/" .. n) end
    function delay() return 25 end
    function response(status, headers, body)
      got = status .. " " .. headers["X-Answer"] .. " " .. body
    end
  )");
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->Init({"u"}).ok());
  EXPECT_THAT(*s->Request(), StartsWith("GET /item/1 HTTP/1.1\r\n"));
  EXPECT_THAT(*s->Request(), StartsWith("GET /item/2 HTTP/1.1\r\n"));
  EXPECT_EQ(*s->Delay(), 25);
  ASSERT_TRUE(s->Response(503, {{"X-Answer", "42"}}, "busy").ok());
  EXPECT_EQ(Eval(*s, "got"), "503 42 busy");
}

TEST(WrkScript, SetupSeesEachThreadsOwnState) {
  const std::string text = R"(
    local counter = 1
    threads = {}
    function setup(thread)
      thread:set("id", counter)
      thread:set("config", {name = "t" .. counter, weights = {1, 2}})
      table.insert(threads, thread)
      counter = counter + 1
    end
    function init(args) requests = 0 end
    function request() requests = requests + 1; return wrk.format() end
    function done()
      local out = {}
      for _, t in ipairs(threads) do
        out[#out + 1] = t:get("id") .. ":" .. t:get("requests") .. ":" .. t:get("config").name
      end
      summary = table.concat(out, " ")
    end
  )";
  auto main = Load(text);
  auto first = Load(text);
  auto second = Load(text);
  ASSERT_TRUE(main && first && second);
  ASSERT_TRUE(main->Setup(*first).ok());
  ASSERT_TRUE(main->Setup(*second).ok());
  ASSERT_TRUE(first->Init({"u"}).ok());
  ASSERT_TRUE(second->Init({"u"}).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(first->Request().ok());
  ASSERT_TRUE(second->Request().ok());
  EXPECT_EQ(Eval(*first, "id"), "1");
  EXPECT_EQ(Eval(*second, "id"), "2");
  EXPECT_EQ(Eval(*main, "id"), "nil") << "set goes to the thread's state, not the main one";
  ASSERT_TRUE(main->Done(WrkResult{}).ok());
  EXPECT_EQ(Eval(*main, "summary"), "1:3:t1 2:1:t2");
}

TEST(WrkScript, ThreadGetReadsTheThreadsGlobalsAndStopAsksTheRunToEnd) {
  const std::string text = R"(
    threads = {}
    function setup(thread) table.insert(threads, thread) end
    function request() hits = (hits or 0) + 1; return wrk.format() end
    function done(summary, latency, requests)
      local t = threads[1]
      report = t:get("hits") .. " " .. tostring(t:get("missing"))
      t:stop()
    end
  )";
  auto main = Load(text);
  auto thread = Load(text);
  ASSERT_TRUE(main && thread);
  ASSERT_TRUE(main->Setup(*thread).ok());
  ASSERT_TRUE(thread->Init({"u"}).ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(thread->Request().ok());
  ASSERT_TRUE(main->Done(WrkResult{}).ok());
  EXPECT_EQ(Eval(*main, "report"), "4 nil");
  EXPECT_TRUE(thread->stop_requested());
}

TEST(WrkScript, DoneGetsWrksSummaryLatencyAndRequests) {
  auto s = Load(R"(
    function done(summary, latency, requests)
      out = table.concat({summary.duration, summary.requests, summary.bytes,
        summary.errors.connect, summary.errors.read, summary.errors.write,
        summary.errors.status, summary.errors.timeout,
        latency.min, latency.max, latency.mean, latency:percentile(50), latency:percentile(100),
        #latency, latency[1], latency(4),
        requests.min, requests.max, requests.mean, #requests}, " ")
    end
  )");
  ASSERT_NE(s, nullptr);
  WrkResult result;
  result.runtime = absl::Seconds(2);
  result.requests = 4;
  result.bytes = 400;
  result.errors = {.connect = 1, .read = 2, .write = 3, .status = 4, .timeout = 5};
  for (int v : {100, 200, 300, 400}) result.latency.Record(v);
  result.requests_per_s = {3, 1, 2};
  ASSERT_TRUE(s->Done(result).ok());
  EXPECT_EQ(Eval(*s, "out"), "2000000 4 400 1 2 3 4 5 100 400 250 200 400 4 100 400 1 3 2 3");
}

TEST(WrkScript, RequireSocketGivesGettime) {
  auto s = Load(R"(
    local socket = require "socket"
    now = socket.gettime()
    us = wrk.time_us()
  )");
  ASSERT_NE(s, nullptr);
  double now = 0;
  double us = 0;
  ASSERT_TRUE(absl::SimpleAtod(Eval(*s, "now"), &now));
  ASSERT_TRUE(absl::SimpleAtod(Eval(*s, "us"), &us));
  EXPECT_NEAR(now, absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()), 5);
  EXPECT_NEAR(us / 1e6, now, 5);
}

TEST(WrkScript, LookupResolvesAndThreadAddrCannotBeRedirected) {
  auto main = Load(R"(
    addrs = wrk.lookup("127.0.0.1", "80")
    first = tostring(addrs[1])
    threads = {}
    function setup(thread) thread.addr = addrs[1] end
  )");
  auto thread = Load("");
  ASSERT_TRUE(main && thread);
  EXPECT_EQ(Eval(*main, "first"), "127.0.0.1:80");
  absl::Status setup = main->Setup(*thread);
  EXPECT_THAT(setup.message(), HasSubstr("thread.addr cannot be set"));
}

TEST(WrkScript, ErrorsNameTheFileAndLine) {
  const std::string broken = WriteScript("broken.lua", "x = 1\nfunction request(\n");
  absl::StatusOr<std::unique_ptr<WrkScript>> syntax = WrkScript::Load(broken, kUrl, {});
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.status().message(), HasSubstr("broken.lua:3:"));

  absl::StatusOr<std::unique_ptr<WrkScript>> missing =
      WrkScript::Load("/nonexistent/x.lua", kUrl, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("cannot open /nonexistent/x.lua"));

  auto s = Load(
      "function request()\n  return nothing.here\nend\n"
      "function response() error('bad answer') end\n"
      "function delay() return 'soon' end\n");
  ASSERT_NE(s, nullptr);
  absl::StatusOr<std::string> request = s->Request();
  ASSERT_FALSE(request.ok());
  EXPECT_THAT(request.status().message(),
              HasSubstr("script.lua:2: attempt to index global 'nothing'"));
  EXPECT_THAT(s->Response(200, {}, "").message(), HasSubstr("script.lua:4: bad answer"));
  EXPECT_THAT(s->Delay().status().message(), HasSubstr("delay() returned something"));

  for (const char* bad : {"-1", "0/0", "1e18"}) {
    auto delay = Load(absl::StrCat("function delay() return ", bad, " end"));
    ASSERT_NE(delay, nullptr);
    EXPECT_THAT(delay->Delay().status().message(),
                HasSubstr("not a number of milliseconds from 0 to 31536000000"))
        << bad;
  }
  auto headers = Load("wrk.headers = 5");
  ASSERT_NE(headers, nullptr);
  EXPECT_EQ(headers->Init({}).message(),
            "wrk.format: the headers (wrk.headers or its 3rd argument) must be a table, not a "
            "number");

  auto not_a_string = Load("function request() return {} end");
  ASSERT_NE(not_a_string, nullptr);
  EXPECT_THAT(not_a_string->Request().status().message(),
              HasSubstr("request() returned a table, not a string"));
}

}  // namespace
}  // namespace loadgen
