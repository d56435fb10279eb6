// loadgenctl's commands against real control servers on loopback whose run controller is a fake.
#include "load_generation/cmd/loadgenctl.h"

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "load_generation/control/control_service.h"
#include "load_generation/testing/fake_run_control.h"

namespace loadgen {
namespace {

using ::testing::HasSubstr;

// What one command line printed and returned.
struct Result {
  int exit = -1;
  std::string out;
  std::string err;
};

Result RunLine(const CtlOptions& options, const std::vector<std::string>& args) {
  char* out_text = nullptr;
  char* err_text = nullptr;
  size_t out_size = 0, err_size = 0;
  std::FILE* out = open_memstream(&out_text, &out_size);
  std::FILE* err = open_memstream(&err_text, &err_size);
  Result result;
  result.exit = RunCtl(options, args, out, err);
  std::fclose(out);
  std::fclose(err);
  result.out.assign(out_text, out_size);
  result.err.assign(err_text, err_size);
  std::free(out_text);
  std::free(err_text);
  return result;
}

class LoadgenctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      auto server = ControlServer::Start(shards_[i], {.address = "127.0.0.1:0"});
      ASSERT_TRUE(server.ok()) << server.status();
      servers_.push_back(*std::move(server));
    }
    one_.address = absl::StrCat("127.0.0.1:", servers_[0]->port());
    both_.targets =
        absl::StrCat("127.0.0.1:", servers_[0]->port(), ",127.0.0.1:", servers_[1]->port());
  }

  FakeRunControl shards_[2];
  std::vector<std::unique_ptr<ControlServer>> servers_;
  CtlOptions one_;
  CtlOptions both_;
};

TEST_F(LoadgenctlTest, EachCommandBecomesItsCall) {
  ASSERT_EQ(RunLine(one_, {"users", "30", "1", "2"}).exit, 0);
  ASSERT_EQ(RunLine(one_, {"users", "clear"}).exit, 0);
  ASSERT_EQ(RunLine(one_, {"phase", "2"}).exit, 0);
  ASSERT_EQ(RunLine(one_, {"pause"}).exit, 0);
  ASSERT_EQ(RunLine(one_, {"resume"}).exit, 0);
  ASSERT_EQ(RunLine(one_, {"reset"}).exit, 0);
  CtlOptions stop = one_;
  stop.timeout = "3s";
  ASSERT_EQ(RunLine(stop, {"stop"}).exit, 0);

  const std::vector<FakeRunControl::Call> calls = shards_[0].calls();
  ASSERT_EQ(calls.size(), 7u);
  EXPECT_EQ(std::get<OverrideUserCount>(*calls[0].command).users, 30);
  EXPECT_EQ(std::get<OverrideUserCount>(*calls[0].command).ratios, std::vector<int>({1, 2}));
  EXPECT_TRUE(std::holds_alternative<ClearUserOverride>(*calls[1].command));
  EXPECT_EQ(std::get<JumpToPhase>(*calls[2].command).phase, 2);
  EXPECT_TRUE(std::holds_alternative<PauseRun>(*calls[3].command));
  EXPECT_TRUE(std::holds_alternative<ResumeRun>(*calls[4].command));
  EXPECT_EQ(calls[5].verb, "ResetStats");
  EXPECT_EQ(calls[6].verb, "Stop");
  EXPECT_EQ(calls[6].duration, absl::Seconds(3));
  EXPECT_TRUE(shards_[1].calls().empty()) << "--address names one daemon";
}

TEST_F(LoadgenctlTest, StatusPrintsTheDaemonsPhaseTable) {
  DaemonStatus status;
  status.position.state = RunState::kRunning;
  status.completed.push_back(
      {.occurrence = {}, .row = {.loop = "0", .phase = "0", .name = "warmup", .users = 5}});
  shards_[0].SetStatus(status);
  const Result result = RunLine(one_, {"status"});
  ASSERT_EQ(result.exit, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("state     running"));
  EXPECT_THAT(result.out, HasSubstr("phases\nloop phase name"));
  EXPECT_THAT(result.out, HasSubstr("warmup"));
}

TEST_F(LoadgenctlTest, WithTargetsEveryShardIsAskedAndTheAnswersMerged) {
  DaemonStatus status;
  status.run.users = {{.name = "Browser", .target = 5, .active = 5}};
  status.total.requests = 100;
  shards_[0].SetStatus(status);
  shards_[1].SetStatus(status);
  CtlOptions json = both_;
  json.json = true;
  const Result result = RunLine(json, {"status"});
  ASSERT_EQ(result.exit, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\"total_requests\":\"200\""));
  EXPECT_THAT(result.out, HasSubstr("\"target\":10"));
  ASSERT_EQ(RunLine(both_, {"start"}).exit, 0);
  for (FakeRunControl& shard : shards_) {
    ASSERT_EQ(shard.calls().size(), 1u);
    EXPECT_EQ(shard.calls()[0].verb, "Start");
  }
  EXPECT_EQ(shards_[0].calls()[0].at, shards_[1].calls()[0].at) << "a common start";
  EXPECT_EQ(shards_[0].calls()[0].shards.count, 2) << "as many shards as it found";
  ASSERT_EQ(RunLine(one_, {"start"}).exit, 0);
  EXPECT_EQ(shards_[0].calls()[1].shards.count, 0) << "one daemon: its own --shard_count";
}

TEST_F(LoadgenctlTest, WaitReturnsWhenEveryShardIsIdleWithTheTotals) {
  DaemonStatus running;
  running.position = {.state = RunState::kRunning, .run_number = 1};
  DaemonStatus done;
  done.position = {.state = RunState::kIdle, .run_number = 1};
  done.total.requests = 1234;
  shards_[0].SetStatus(done);
  shards_[1].SetStatus(running);
  std::thread ends([&] {
    absl::SleepFor(absl::Milliseconds(300));
    shards_[1].SetStatus(done);
  });
  const Result result = RunLine(both_, {"wait"});
  ends.join();
  EXPECT_EQ(result.exit, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("state     idle"));
  EXPECT_THAT(result.out, HasSubstr("total     2468 requests"));
}

TEST_F(LoadgenctlTest, WaitGivesUpAfterItsTimeout) {
  DaemonStatus running;
  running.position.state = RunState::kRunning;
  shards_[0].SetStatus(running);
  CtlOptions options = one_;
  options.timeout = "300ms";
  const Result result = RunLine(options, {"wait"});
  EXPECT_EQ(result.exit, 1);
  EXPECT_EQ(result.err, "loadgenctl: DEADLINE_EXCEEDED: the run is still under way after 300ms\n");
}

TEST_F(LoadgenctlTest, AFailedCallExitsOneWithItsCode) {
  shards_[0].Answer(absl::FailedPreconditionError("no run is under way"));
  const Result result = RunLine(one_, {"pause"});
  EXPECT_EQ(result.exit, 1);
  EXPECT_EQ(result.err, "loadgenctl: FAILED_PRECONDITION: no run is under way\n");
}

TEST_F(LoadgenctlTest, UsageErrorsExitTwoBeforeAnyCall) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {"frobnicate"},
                                             {"phase"},
                                             {"phase", "two"},
                                             {"users", "many"},
                                             {"users", "clear", "1"},
                                             {"status", "extra"},
                                             {"reload", "/no/such/file.pbtxt"}}) {
    const Result result = RunLine(one_, args);
    EXPECT_EQ(result.exit, 2) << ::testing::PrintToString(args);
    EXPECT_THAT(result.err, HasSubstr("Commands:")) << "the usage follows the message";
  }
  CtlOptions bad = one_;
  bad.timeout = "soon";
  EXPECT_EQ(RunLine(bad, {"stop"}).exit, 2);
  EXPECT_TRUE(shards_[0].calls().empty());
}

TEST(Loadgenctl, HelpIsTheUsageAndListsEveryCommand) {
  const Result result = RunLine(CtlOptions(), {"help"});
  EXPECT_EQ(result.exit, 0);
  EXPECT_EQ(result.out, CtlUsage());
  for (const CtlCommand& command : CtlCommands()) {
    EXPECT_THAT(result.out, HasSubstr(absl::StrCat("\n  ", command.name, " "))) << command.name;
  }
}

}  // namespace
}  // namespace loadgen
