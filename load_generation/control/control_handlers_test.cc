// The gRPC handlers against a fake RunControl, called directly: what each request becomes, how
// errors map to gRPC codes, and the token check. No engine, no threads, no network.
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "load_generation/control/control_service.h"
#include "load_generation/testing/fake_run_control.h"

namespace loadgen {
namespace {

using ::testing::HasSubstr;

class ControlHandlersTest : public ::testing::Test {
 protected:
  FakeRunControl control_;
  ControlService service_{control_, ControlToken()};
  grpc::ServerContext context_;
  control::Status response_;
};

TEST_F(ControlHandlersTest, StartPassesTheConfigTheTimeAndTheRunTime) {
  control::StartRequest request;
  request.mutable_config()->set_text("the config");
  request.mutable_config()->set_name("mine.pbtxt");
  request.set_start_at_unix_ms(1700000000000);
  request.set_run_time_s(90);
  request.set_shard_count(3);
  ASSERT_TRUE(service_.Start(&context_, &request, &response_).ok());
  const std::vector<FakeRunControl::Call> calls = control_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].verb, "Start");
  ASSERT_TRUE(calls[0].config.has_value());
  EXPECT_EQ(calls[0].config->path, "mine.pbtxt");
  EXPECT_EQ(calls[0].config->config.host(), "the config");
  EXPECT_EQ(calls[0].at, absl::FromUnixMillis(1700000000000));
  EXPECT_EQ(calls[0].duration, absl::Seconds(90));
  EXPECT_EQ(calls[0].shards.count, 3);
  EXPECT_FALSE(calls[0].shards.index.has_value()) << "the pod's index";
  request.set_shard_index(2);
  ASSERT_TRUE(service_.Start(&context_, &request, &response_).ok());
  EXPECT_EQ(control_.calls()[1].shards.index, 2) << "as the coordinator numbers its shards";
}

TEST_F(ControlHandlersTest, SwarmPassesLocustsSettingsAndTheShards) {
  control::SwarmRequest request;
  request.set_user_count(50);
  request.set_spawn_rate(2.5);
  request.set_host("http://shop:80");
  request.set_run_time_s(600);
  request.add_user_classes("Weekend");
  request.set_shard_count(4);
  request.set_shard_index(3);
  ASSERT_TRUE(service_.Swarm(&context_, &request, &response_).ok());
  ASSERT_EQ(control_.calls().size(), 1u);
  const FakeRunControl::Call call = control_.calls()[0];
  EXPECT_EQ(call.verb, "Swarm");
  EXPECT_EQ(call.swarm.user_count, 50);
  EXPECT_EQ(call.swarm.spawn_rate, 2.5);
  EXPECT_EQ(call.swarm.host, "http://shop:80");
  EXPECT_EQ(call.swarm.run_time, absl::Minutes(10));
  EXPECT_EQ(call.swarm.user_classes, std::vector<std::string>{"Weekend"});
  EXPECT_EQ(call.shards.count, 4);
  EXPECT_EQ(call.shards.index, 3);

  request.set_shard_index(4);
  EXPECT_EQ(service_.Swarm(&context_, &request, &response_).error_message(),
            "shard_index must be in 0..3, not 4");
  request.clear_shard_index();
  request.set_run_time_s(-1);
  EXPECT_EQ(service_.Swarm(&context_, &request, &response_).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(control_.calls().size(), 1u);
}

TEST_F(ControlHandlersTest, StartWithoutAConfigRunsTheOneInForce) {
  control::StartRequest request;
  ASSERT_TRUE(service_.Start(&context_, &request, &response_).ok());
  ASSERT_EQ(control_.calls().size(), 1u);
  EXPECT_FALSE(control_.calls()[0].config.has_value());
}

TEST_F(ControlHandlersTest, BadNumbersAreRefusedBeforeTheController) {
  control::StartRequest start;
  for (double bad : {-1.0, std::nan(""), std::numeric_limits<double>::infinity(), 2e9}) {
    start.set_run_time_s(bad);
    EXPECT_EQ(service_.Start(&context_, &start, &response_).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << bad;
  }
  start.set_run_time_s(0);
  start.set_shard_count(-2);
  EXPECT_EQ(service_.Start(&context_, &start, &response_).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  control::StopRequest stop;
  stop.set_timeout_ms(-5);
  EXPECT_EQ(service_.Stop(&context_, &stop, &response_).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  control::ReloadConfigRequest reload;
  EXPECT_EQ(service_.ReloadConfig(&context_, &reload, &response_).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(control_.calls().empty());
}

TEST_F(ControlHandlersTest, EachSteeringCallIsOneCommand) {
  control::JumpToPhaseRequest jump;
  jump.set_phase(2);
  ASSERT_TRUE(service_.JumpToPhase(&context_, &jump, &response_).ok());
  control::PauseRequest pause;
  ASSERT_TRUE(service_.Pause(&context_, &pause, &response_).ok());
  control::ResumeRequest resume;
  ASSERT_TRUE(service_.Resume(&context_, &resume, &response_).ok());
  control::OverrideUsersRequest users;
  users.set_users(30);
  users.add_ratios(1);
  users.add_ratios(2);
  ASSERT_TRUE(service_.OverrideUsers(&context_, &users, &response_).ok());
  control::ClearOverrideRequest clear;
  ASSERT_TRUE(service_.ClearOverride(&context_, &clear, &response_).ok());

  const std::vector<FakeRunControl::Call> calls = control_.calls();
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(std::get<JumpToPhase>(*calls[0].command).phase, 2);
  EXPECT_TRUE(std::holds_alternative<PauseRun>(*calls[1].command));
  EXPECT_TRUE(std::holds_alternative<ResumeRun>(*calls[2].command));
  EXPECT_EQ(std::get<OverrideUserCount>(*calls[3].command).users, 30);
  EXPECT_EQ(std::get<OverrideUserCount>(*calls[3].command).ratios, std::vector<int>({1, 2}));
  EXPECT_TRUE(std::holds_alternative<ClearUserOverride>(*calls[4].command));
}

TEST_F(ControlHandlersTest, ReloadAtTheBoundaryOrNow) {
  control::ReloadConfigRequest request;
  request.mutable_config()->set_path("next.pbtxt");
  request.set_when(control::ReloadConfigRequest::NEXT_PHASE);
  ASSERT_TRUE(service_.ReloadConfig(&context_, &request, &response_).ok());
  request.set_when(control::ReloadConfigRequest::NOW);
  ASSERT_TRUE(service_.ReloadConfig(&context_, &request, &response_).ok());
  const std::vector<FakeRunControl::Call> calls = control_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].config->path, "next.pbtxt");
  EXPECT_TRUE(calls[0].at_boundary);
  EXPECT_FALSE(calls[1].at_boundary);
}

TEST_F(ControlHandlersTest, TheControllersErrorsKeepTheirCodeAndMessage) {
  control_.Answer(absl::FailedPreconditionError("no run is under way"));
  control::PauseRequest pause;
  const grpc::Status status = service_.Pause(&context_, &pause, &response_);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "no run is under way");
}

TEST_F(ControlHandlersTest, AnswersCarryTheControllersStatus) {
  DaemonStatus status;
  status.position = {.state = RunState::kPaused, .run_number = 3};
  status.target = "http://127.0.0.1:8080";
  status.run.occurrence = PhaseOccurrence{.number = 4, .loop = 1, .phase = 1};
  status.run.phase_name = "peak";
  status.run.users = {{.name = "Browser", .target = 10, .active = 8, .stopping = 1}};
  control_.SetStatus(status);
  control::PauseRequest pause;
  ASSERT_TRUE(service_.Pause(&context_, &pause, &response_).ok());
  EXPECT_EQ(response_.state(), control::Status::PAUSED);
  EXPECT_EQ(response_.run_number(), 3);
  EXPECT_EQ(response_.target(), "http://127.0.0.1:8080");
  EXPECT_EQ(response_.phase_name(), "peak");
  EXPECT_EQ(response_.loop(), 1);
  ASSERT_EQ(response_.user_types_size(), 1);
  EXPECT_EQ(response_.user_types(0).active(), 8);
  EXPECT_EQ(response_.user_types(0).stopping(), 1);
}

TEST(ControlHandlersToken, EveryCallButNoneGetsThroughWithoutTheToken) {
  FakeRunControl control;
  ControlService service(control, ControlToken("s3cret"));
  grpc::ServerContext context;  // no metadata
  control::Status response;
  control::StartRequest start;
  control::StopRequest stop;
  control::SwarmRequest swarm;
  control::GetStatusRequest get;
  control::ResetStatsRequest reset;
  control::GetStatsRequest stats;
  control::StatsReport report;
  for (const grpc::Status& status :
       {service.Start(&context, &start, &response), service.Stop(&context, &stop, &response),
        service.Swarm(&context, &swarm, &response), service.GetStatus(&context, &get, &response),
        service.ResetStats(&context, &reset, &response),
        service.GetStats(&context, &stats, &report)}) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_THAT(status.error_message(), HasSubstr("authorization"));
  }
  EXPECT_TRUE(control.calls().empty());
}

}  // namespace
}  // namespace loadgen
