// loadgen's JSON routes over real gRPC: one daemon's service in process, and two shards on
// loopback (and one that does not answer), each a control service over a FakeRunControl.
#include "load_generation/control/control_api.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "load_generation/control/control_service.h"
#include "load_generation/testing/fake_run_control.h"

namespace loadgen {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

ServerRequest Post(const std::string& target, const std::string& body = "",
                   const std::string& type = "application/json") {
  ServerRequest request{.method = "POST", .target = target, .body = body};
  if (!type.empty()) request.headers["content-type"] = type;
  return request;
}

ServerRequest Get(const std::string& target) { return {.method = "GET", .target = target}; }

DaemonStatus Running(int normal, int weekend) {
  DaemonStatus status;
  status.position = {.state = RunState::kRunning, .run_number = 1};
  status.run.users = {{.name = "Normal", .target = normal, .active = normal},
                      {.name = "Weekend", .target = weekend, .active = weekend}};
  status.application = "hipster_shop";
  return status;
}

// A daemon: a fake run controller behind a real control service.
struct Shard {
  explicit Shard(const std::string& address = "127.0.0.1:0") {
    absl::StatusOr<std::unique_ptr<ControlServer>> started =
        ControlServer::Start(control, {.address = address});
    EXPECT_TRUE(started.ok()) << started.status();
    server = *std::move(started);
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", server->port()); }

  FakeRunControl control;
  std::unique_ptr<ControlServer> server;
};

class OneDaemonTest : public ::testing::Test {
 protected:
  ServerResponse Answer(const ServerRequest& request) {
    std::optional<ServerResponse> answer = ServeControlApi(shards_, request);
    EXPECT_TRUE(answer.has_value()) << request.target;
    return answer.value_or(ServerResponse{.status = 0});
  }

  Shard daemon_{""};  // no port: in process only, as a daemon with --grpc_address=
  ShardSet shards_{{.channel = daemon_.server->InProcessChannel()}};
};

TEST_F(OneDaemonTest, CallsGoThroughUnchanged) {
  const ServerResponse answer = Answer(Post("/api/v1/Start", R"({"run_time_s": 5})"));
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_THAT(answer.body, HasSubstr("\"state\":\"IDLE\""));  // every field, as the .proto names it
  const std::vector<FakeRunControl::Call> calls = daemon_.control.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].verb, "Start");
  EXPECT_EQ(calls[0].duration, absl::Seconds(5));
  EXPECT_EQ(calls[0].shards.count, 0);  // the daemon's own share, not renumbered

  daemon_.control.SetStatus(Running(1, 2));
  const ServerResponse status = Answer(Get("/api/v1/GetStatus"));
  EXPECT_EQ(status.status, 200);
  EXPECT_THAT(status.body, AllOf(HasSubstr("\"state\":\"RUNNING\""), HasSubstr("\"active\":2")));
}

TEST_F(OneDaemonTest, ErrorsCarryTheirCodeAndReason) {
  daemon_.control.Answer(absl::FailedPreconditionError("no run is under way"));
  ServerResponse answer = Answer(Post("/api/v1/Pause"));
  EXPECT_EQ(answer.status, 409);
  EXPECT_EQ(answer.body,
            "{\"code\": \"FAILED_PRECONDITION\", \"message\": \"no run is under way\"}\n");

  answer = Answer(Post("/api/v1/OverrideUsers", R"({"users": "many"})"));
  EXPECT_EQ(answer.status, 400);
  EXPECT_THAT(answer.body, AllOf(HasSubstr("INVALID_ARGUMENT"),
                                 HasSubstr("not a OverrideUsersRequest message in JSON")));

  answer = Answer(Post("/api/v1/Nope"));
  EXPECT_EQ(answer.status, 404);
  EXPECT_THAT(answer.body, HasSubstr("the calls: CheckConfig, ClearOverride, GetConfig"));
}

TEST_F(OneDaemonTest, ChangesNeedPostAndJson) {
  // A form another page makes a browser send is refused before it reaches the daemon.
  ServerResponse answer = Answer(Post("/api/v1/Stop", "a=b", "application/x-www-form-urlencoded"));
  EXPECT_EQ(answer.status, 400);
  EXPECT_THAT(answer.body, HasSubstr("Content-Type: application/json"));
  answer = Answer(Post("/api/v1/Stop", "", "text/plain"));
  EXPECT_EQ(answer.status, 400);
  answer = Answer(Get("/api/v1/Stop"));
  EXPECT_EQ(answer.status, 405);
  EXPECT_EQ(answer.headers, (decltype(answer.headers){{"Allow", "POST"}}));
  EXPECT_TRUE(daemon_.control.calls().empty());

  EXPECT_EQ(Answer(Get("/api/v1/GetConfig")).status, 200);  // a look may be a GET
  EXPECT_EQ(Answer(Post("/api/v1/Stop")).status, 200);      // no body: the empty message
  EXPECT_EQ(daemon_.control.calls().size(), 1u);
}

TEST_F(OneDaemonTest, OtherPathsAreNotItsOwn) {
  EXPECT_FALSE(ServeControlApi(shards_, Get("/stats/requests")).has_value());
  EXPECT_FALSE(ServeControlApi(shards_, Get("/")).has_value());
}

TEST_F(OneDaemonTest, DownloadsThePhasesAndTheReport) {
  ServerResponse csv = Answer(Get("/phases.csv"));
  EXPECT_EQ(csv.status, 200);
  EXPECT_THAT(csv.body, ::testing::StartsWith("loop,phase,name,users,"));
  daemon_.control.SetStatus(Running(1, 2));
  ServerResponse html = Answer(Get("/report.html"));
  EXPECT_EQ(html.status, 200);
  EXPECT_THAT(html.body, AllOf(HasSubstr("<html"), HasSubstr("loadgen run 1: hipster_shop"),
                               HasSubstr("<dd>running</dd>"), Not(HasSubstr("Over time"))));
  EXPECT_EQ(Answer(Post("/report.html")).status, 405);
}

class ShardsTest : public ::testing::Test {
 protected:
  ShardsTest() {
    // A port that nothing listens on: a shard that is gone.
    Shard gone;
    gone_ = gone.address();
  }
  ServerResponse Answer(ShardSet& set, const ServerRequest& request) {
    return ServeControlApi(set, request).value_or(ServerResponse{.status = 0});
  }
  std::string Targets() const { return a_.address() + "," + b_.address(); }

  Shard a_, b_;
  std::string gone_;
};

TEST_F(ShardsTest, StartNumbersTheShardsAndStartsThemTogether) {
  ShardSet set({.targets = Targets()});
  ASSERT_EQ(Answer(set, Post("/api/v1/Start", "{}")).status, 200);
  const std::vector<FakeRunControl::Call> a = a_.control.calls(), b = b_.control.calls();
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].shards.count, 2);
  EXPECT_EQ(b[0].shards.count, 2);
  EXPECT_NE(a[0].shards.index, b[0].shards.index);
  EXPECT_EQ(a[0].at, b[0].at);  // one phase 0 for all
  EXPECT_GT(a[0].at, absl::Now());

  // Other calls go to every shard unchanged.
  ASSERT_EQ(Answer(set, Post("/api/v1/OverrideUsers", R"({"users": 9})")).status, 200);
  EXPECT_EQ(std::get<OverrideUserCount>(*a_.control.calls().back().command).users, 9);
  EXPECT_EQ(std::get<OverrideUserCount>(*b_.control.calls().back().command).users, 9);
}

TEST_F(ShardsTest, ARunIsSplitOverTheShardsThatAnswer) {
  ShardSet set({.targets = Targets() + "," + gone_, .look_timeout = absl::Seconds(2)});
  ASSERT_EQ(Answer(set, Post("/api/v1/Start", "{}")).status, 200);
  ASSERT_EQ(a_.control.calls().size(), 1u);
  EXPECT_EQ(a_.control.calls()[0].shards.count, 2);
  EXPECT_EQ(b_.control.calls()[0].shards.count, 2);
}

TEST_F(ShardsTest, StatusIsMergedOverTheShardsThatAnswer) {
  a_.control.SetStatus(Running(1, 2));
  b_.control.SetStatus(Running(2, 4));
  ShardSet set({.targets = Targets() + "," + gone_, .look_timeout = absl::Seconds(2)});
  const ServerResponse answer = Answer(set, Get("/api/v1/GetStatus"));
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_THAT(answer.body, AllOf(HasSubstr("{\"name\":\"Normal\",\"target\":3,\"active\":3"),
                                 HasSubstr("{\"name\":\"Weekend\",\"target\":6,\"active\":6")));
  EXPECT_THAT(answer.body, Not(HasSubstr("values_us")));  // histograms only when asked for

  // A change that a shard does not take fails, naming the shard.
  const ServerResponse stop = Answer(set, Post("/api/v1/Stop"));
  EXPECT_EQ(stop.status, 503);
  EXPECT_THAT(stop.body, HasSubstr(gone_));
}

TEST_F(ShardsTest, NoShardIsUnavailable) {
  ShardSet set({.targets = gone_, .look_timeout = absl::Seconds(2)});
  EXPECT_EQ(Answer(set, Get("/api/v1/GetStatus")).status, 503);
  ShardSet unresolved({.targets = "no-such-host.invalid:50051"});
  const ServerResponse answer = Answer(unresolved, Get("/api/v1/GetStatus"));
  EXPECT_EQ(answer.status, 503);
  EXPECT_THAT(answer.body, HasSubstr("no shard answered (no-such-host.invalid:50051)"));
}

}  // namespace
}  // namespace loadgen
