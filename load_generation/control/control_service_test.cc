// The control service over real gRPC on loopback, driving a Daemon whose users send real HTTP
// to an in-process server. Waits are for states (Eventually), never for speed.
#include "load_generation/control/control_service.h"

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "load_generation/control/daemon.h"
#include "load_generation/http/http_server.h"
#include "load_generation/testing/eventually.h"
#include "load_generation/testing/self_signed.h"

namespace loadgen {
namespace {

using ::grpc::StatusCode;
using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::loadgen::testing::Eventually;
using ::testing::HasSubstr;
using ::testing::Not;

// Long phases, so that only control calls move the run.
constexpr char kConfig[] = R"pb(
  user_type_definitions {
    name: "Browser"
    tasks {
      weight: 1
      requests { path: "/" name: "home" }
    }
  }
  user_type_definitions {
    name: "Buyer"
    tasks {
      weight: 1
      requests { method: "POST" path: "/cart" name: "cart" }
    }
  }
  phases {
    name: "first"
    user_types { name: "Browser" ratio: 1 min_wait_ms: 10 max_wait_ms: 20 }
    duration: 600
    num_users: 10
    hatch_rate_per_s: 1000
  }
  phases {
    name: "second"
    user_types { name: "Browser" ratio: 1 min_wait_ms: 10 max_wait_ms: 20 }
    user_types { name: "Buyer" ratio: 1 min_wait_ms: 10 max_wait_ms: 20 }
    duration: 600
    num_users: 6
    hatch_rate_per_s: 1000
  }
)pb";

int Active(const control::Status& status) {
  int n = 0;
  for (const auto& type : status.user_types()) n += type.active();
  return n;
}

class ControlServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Serve(""); }

  void Serve(const std::string& token) {
    server_.reset();
    daemon_.reset();
    auto config =
        ParseLoadConfig(absl::StrCat(kConfig, "host: \"", http_.url(), "\""), "control.pbtxt");
    ASSERT_TRUE(config.ok()) << config.status();
    auto run = ResolveRunConfig(*config, "control.pbtxt", "", {});
    ASSERT_TRUE(run.ok()) << run.status();
    daemon_ = std::make_unique<Daemon>(
        *run, DaemonOptions{.config_dir = ConfigDir(), .threads = 2, .seed = 1}, clock_);
    auto server = ControlServer::Start(*daemon_, {.address = "127.0.0.1:0", .token = token});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = control::LoadGenerator::NewStub(channel_);
  }

  // The daemon's --config_dir: a config, a file of lines and a link out; a secret beside it.
  static std::string ConfigDir() {
    static const std::string dir = [] {
      const std::filesystem::path base =
          std::filesystem::path(::testing::TempDir()) / "control_service_test";
      std::filesystem::remove_all(base);
      std::filesystem::create_directories(base / "configs");
      std::ofstream(base / "secret.txt") << "root:x:0:0:s3cret\n";
      std::ofstream(base / "configs" / "users.txt") << "alice\nbob\n";
      std::ofstream(base / "configs" / "not_a_config.txt") << "root:x:0:0:s3cret\n";
      std::filesystem::create_symlink(base / "secret.txt", base / "configs" / "link.txt");
      return (base / "configs").string();
    }();
    return dir;
  }

  void TearDown() override {
    server_.reset();
    daemon_.reset();
  }

  // Calls `method` with `request`; the status, and the response in `response`.
  template <typename Method, typename Request, typename Response>
  grpc::Status Call(Method method, const Request& request, Response* response,
                    const std::string& token = "") {
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("authorization", token);
    return (stub_.get()->*method)(&context, request, response);
  }
  template <typename Method, typename Request>
  grpc::Status Call(Method method, const Request& request) {
    control::Status response;
    return Call(method, request, &response);
  }

  control::Status GetStatus() {
    control::Status status;
    EXPECT_TRUE(Call(&Stub::GetStatus, control::GetStatusRequest(), &status).ok());
    return status;
  }
  void StartRun() {
    control::Status status;
    ASSERT_TRUE(Call(&Stub::Start, control::StartRequest(), &status).ok());
    ASSERT_TRUE(Eventually([&] { return Active(GetStatus()) == 10; }));
  }

  using Stub = control::LoadGenerator::Stub;
  HttpServer http_{[](const ServerRequest&) { return ServerResponse{}; }, 1, /*record=*/false};
  RealClock clock_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<ControlServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

TEST_F(ControlServiceTest, IdleStatusNamesTheConfigAndTarget) {
  control::Status status = GetStatus();
  EXPECT_EQ(status.state(), control::Status::IDLE);
  EXPECT_EQ(status.config_source(), "control.pbtxt");
  EXPECT_EQ(status.config_digest().size(), 16u);
  EXPECT_EQ(status.target(), http_.url());
  EXPECT_EQ(status.run_number(), 0);
}

TEST_F(ControlServiceTest, StartStopAndStartAgain) {
  StartRun();
  control::Status status = GetStatus();
  EXPECT_EQ(status.state(), control::Status::RUNNING);
  EXPECT_EQ(status.run_number(), 1);
  EXPECT_EQ(status.phase(), 0);
  EXPECT_EQ(status.phase_name(), "first");
  EXPECT_GT(status.phase_remaining_s(), 500);
  ASSERT_EQ(status.user_types_size(), 1);
  EXPECT_EQ(status.user_types(0).name(), "Browser");
  EXPECT_EQ(status.user_types(0).target(), 10);
  ASSERT_TRUE(Eventually([&] { return GetStatus().total_requests() > 50; }));
  EXPECT_GT(GetStatus().current_requests_per_s(), 0) << "as of now, before a second has passed";

  control::StopRequest stop;
  stop.set_timeout_ms(2000);
  ASSERT_TRUE(Call(&Stub::Stop, stop, &status).ok());
  EXPECT_EQ(status.state(), control::Status::IDLE) << "Stop returns once the run is over";
  EXPECT_EQ(Active(status), 0);
  EXPECT_EQ(status.current_requests_per_s(), 0) << "nothing runs";
  EXPECT_EQ(status.current_p50_ms(), 0);
  ASSERT_EQ(status.completed_phases_size(), 1);
  EXPECT_EQ(status.completed_phases(0).name(), "first");
  EXPECT_GT(status.completed_phases(0).requests(), 50);
  EXPECT_EQ(status.completed_phases(0).failures(), 0);

  StartRun();
  EXPECT_EQ(GetStatus().run_number(), 2);
  EXPECT_EQ(GetStatus().completed_phases_size(), 0) << "a new run counts afresh";
}

TEST_F(ControlServiceTest, CallsThatDoNotFitTheRunStateFailWithFailedPrecondition) {
  for (const grpc::Status& status :
       {Call(&Stub::Stop, control::StopRequest()), Call(&Stub::Pause, control::PauseRequest()),
        Call(&Stub::Resume, control::ResumeRequest()),
        Call(&Stub::JumpToPhase, control::JumpToPhaseRequest()),
        Call(&Stub::OverrideUsers, control::OverrideUsersRequest()),
        Call(&Stub::ClearOverride, control::ClearOverrideRequest()),
        Call(&Stub::ResetStats, control::ResetStatsRequest())}) {
    EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION) << status.error_message();
  }
  StartRun();
  grpc::Status again = Call(&Stub::Start, control::StartRequest());
  EXPECT_EQ(again.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(again.error_message(), "a run is under way (running); stop it first");
  EXPECT_EQ(Call(&Stub::Resume, control::ResumeRequest()).error_message(), "the run is not paused");
  ASSERT_TRUE(Call(&Stub::Pause, control::PauseRequest()).ok());
  EXPECT_EQ(GetStatus().state(), control::Status::PAUSED);
  EXPECT_EQ(Call(&Stub::Pause, control::PauseRequest()).error_message(),
            "the run is paused already");
}

TEST_F(ControlServiceTest, BadRequestsFailWithInvalidArgumentAndChangeNothing) {
  control::StartRequest bad_text;
  bad_text.mutable_config()->set_text("phases { duration: -1 ");
  grpc::Status status = Call(&Stub::Start, bad_text);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("inline:1:"));

  control::StartRequest invalid;
  invalid.mutable_config()->set_text("application: \"hipster_shop\" phases { duration: 0 }");
  status = Call(&Stub::Start, invalid);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("inline: phases[0]: duration must be in 1..31622400 seconds, not 0"));

  control::StartRequest missing;
  missing.mutable_config()->set_path("no_such_load.pbtxt");
  status = Call(&Stub::Start, missing);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("no_such_load.pbtxt: cannot read config"));

  control::StartRequest no_host;
  no_host.mutable_config()->set_text(kConfig);
  EXPECT_THAT(Call(&Stub::Start, no_host).error_message(), HasSubstr("inline: no target"));
  control::StartRequest negative;
  negative.set_run_time_s(-1);
  EXPECT_EQ(Call(&Stub::Start, negative).error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GetStatus().state(), control::Status::IDLE);
  EXPECT_EQ(GetStatus().config_source(), "control.pbtxt") << "the config in force is kept";

  StartRun();
  control::JumpToPhaseRequest jump;
  jump.set_phase(7);
  status = Call(&Stub::JumpToPhase, jump);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "phase 7 does not exist (the config has 2: 0..1)");
  control::OverrideUsersRequest users;
  users.set_users(-1);
  EXPECT_EQ(Call(&Stub::OverrideUsers, users).error_code(), StatusCode::INVALID_ARGUMENT);
  users.set_users(5);
  users.add_ratios(1);
  users.add_ratios(1);
  EXPECT_EQ(Call(&Stub::OverrideUsers, users).error_code(), StatusCode::INVALID_ARGUMENT);
  control::StopRequest stop;
  stop.set_timeout_ms(-5);
  EXPECT_EQ(Call(&Stub::Stop, stop).error_code(), StatusCode::INVALID_ARGUMENT);
  control::ReloadConfigRequest reload;
  EXPECT_EQ(Call(&Stub::ReloadConfig, reload).error_message(),
            "give the new config as text or path");
  reload.mutable_config()->set_text("phases {");
  EXPECT_EQ(Call(&Stub::ReloadConfig, reload).error_code(), StatusCode::INVALID_ARGUMENT);
  reload.mutable_config()->set_text(absl::StrCat(kConfig, "host: \"http://127.0.0.1:1\""));
  EXPECT_THAT(Call(&Stub::ReloadConfig, reload).error_message(),
              HasSubstr("a run keeps its target"));
  reload.set_when(static_cast<control::ReloadConfigRequest::When>(9));
  EXPECT_EQ(Call(&Stub::ReloadConfig, reload).error_code(), StatusCode::INVALID_ARGUMENT);

  control::Status running = GetStatus();
  EXPECT_EQ(running.state(), control::Status::RUNNING);
  EXPECT_EQ(running.phase(), 0);
  EXPECT_EQ(Active(running), 10);
}

TEST_F(ControlServiceTest, ControlsSteerTheRun) {
  StartRun();
  control::OverrideUsersRequest users;
  users.set_users(3);
  control::Status status;
  ASSERT_TRUE(Call(&Stub::OverrideUsers, users, &status).ok());
  EXPECT_TRUE(status.override_active());
  EXPECT_EQ(status.override_users(), 3);
  ASSERT_TRUE(Eventually([&] { return Active(GetStatus()) == 3; }));
  ASSERT_TRUE(Call(&Stub::ClearOverride, control::ClearOverrideRequest()).ok());
  ASSERT_TRUE(Eventually([&] { return Active(GetStatus()) == 10; }));

  control::JumpToPhaseRequest jump;
  jump.set_phase(1);
  ASSERT_TRUE(Call(&Stub::JumpToPhase, jump).ok());
  ASSERT_TRUE(Eventually([&] {
    control::Status s = GetStatus();
    return s.phase() == 1 && s.user_types_size() == 2 && Active(s) == 6;
  }));
  EXPECT_EQ(GetStatus().phase_name(), "second");
  EXPECT_EQ(GetStatus().completed_phases_size(), 1);

  users.set_users(10);
  users.add_ratios(1);
  users.add_ratios(4);
  ASSERT_TRUE(Call(&Stub::OverrideUsers, users).ok());
  ASSERT_TRUE(Eventually([&] {
    control::Status s = GetStatus();
    return s.user_types(0).active() == 2 && s.user_types(1).active() == 8;
  }));

  ASSERT_TRUE(Call(&Stub::Pause, control::PauseRequest()).ok());
  EXPECT_EQ(GetStatus().current_requests_per_s(), 0) << "users idle while paused";
  const double remaining = GetStatus().phase_remaining_s();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(GetStatus().phase_remaining_s(), remaining) << "the phase clock stands still";
  ASSERT_TRUE(Call(&Stub::Resume, control::ResumeRequest()).ok());
  EXPECT_EQ(GetStatus().state(), control::Status::RUNNING);
}

TEST_F(ControlServiceTest, ReloadNowOrAtTheNextPhase) {
  StartRun();
  std::string text = absl::StrCat(kConfig, "host: \"", http_.url(), "\"");
  text.replace(text.find("num_users: 10"), 13, "num_users: 4");
  control::ReloadConfigRequest reload;
  reload.mutable_config()->set_text(text);
  reload.set_when(control::ReloadConfigRequest::NEXT_PHASE);
  control::Status status;
  ASSERT_TRUE(Call(&Stub::ReloadConfig, reload, &status).ok());
  EXPECT_TRUE(status.reload_pending());
  EXPECT_EQ(status.config_source(), "inline");
  EXPECT_EQ(Active(GetStatus()), 10) << "the phase under way keeps its users";

  reload.set_when(control::ReloadConfigRequest::NOW);
  ASSERT_TRUE(Call(&Stub::ReloadConfig, reload, &status).ok());
  EXPECT_FALSE(status.reload_pending());
  ASSERT_TRUE(Eventually([&] { return Active(GetStatus()) == 4; }));
  EXPECT_EQ(GetStatus().phase(), 0);
}

TEST_F(ControlServiceTest, ReloadWhenIdleReplacesTheConfigOfTheNextStart) {
  control::ReloadConfigRequest reload;
  std::string text = absl::StrCat(kConfig, "host: \"", http_.url(), "\"");
  text.replace(text.find("num_users: 10"), 13, "num_users: 7");
  reload.mutable_config()->set_text(text);
  ASSERT_TRUE(Call(&Stub::ReloadConfig, reload).ok());
  ASSERT_TRUE(Call(&Stub::Start, control::StartRequest()).ok());
  ASSERT_TRUE(Eventually([&] { return Active(GetStatus()) == 7; }));
}

// A caller of the control service may name configs and files of lines, but only in --config_dir,
// and no answer quotes a file it read.
TEST_F(ControlServiceTest, ControlCallsReadFilesOnlyInTheConfigDirectory) {
  const std::string config = absl::StrCat(kConfig, "host: \"", http_.url(), "\"");
  std::ofstream(ConfigDir() + "/good.pbtxt") << config;
  control::ReloadConfigRequest reload;
  for (const std::string& path : {std::string("/etc/passwd"), std::string("../secret.txt"),
                                  std::string("link.txt"), ConfigDir() + "/../secret.txt"}) {
    reload.mutable_config()->set_path(path);
    grpc::Status refused = Call(&Stub::ReloadConfig, reload);
    EXPECT_EQ(refused.error_code(), StatusCode::PERMISSION_DENIED) << path;
    EXPECT_THAT(refused.error_message(), HasSubstr("outside the config directory")) << path;
    EXPECT_THAT(refused.error_message(), Not(HasSubstr("root:"))) << path;
  }
  // A FIFO is refused at once, never waited on (a handler thread blocked on one once kept
  // SIGTERM from ending the daemon).
  const std::string fifo = ConfigDir() + "/pipe.pbtxt";
  std::remove(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  reload.mutable_config()->set_path("pipe.pbtxt");
  grpc::Status pipe = Call(&Stub::ReloadConfig, reload);
  EXPECT_EQ(pipe.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(pipe.error_message(), HasSubstr("is a FIFO, not a regular file"));

  reload.mutable_config()->set_path("not_a_config.txt");
  grpc::Status unparsable = Call(&Stub::ReloadConfig, reload);
  EXPECT_EQ(unparsable.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(unparsable.error_message(), HasSubstr("not_a_config.txt:1:"));
  EXPECT_THAT(unparsable.error_message(), Not(HasSubstr("s3cret"))) << "no content quoted";

  // A config given as text may use files of lines inside the directory, and none outside.
  const std::string declared = R"pb(
    user_type_definitions {
      name: "Named"
      values {
        name: "user"
        file_lines { path: "FILE" }
      }
      tasks {
        weight: 1
        requests { path: "/u/{{user}}" }
      }
    }
    phases {
      user_types { name: "Named" ratio: 1 }
      duration: 60
      num_users: 1
      hatch_rate_per_s: 1
    }
  )pb";
  for (const std::string& file : {std::string("/etc/passwd"), std::string("../secret.txt")}) {
    std::string text = absl::StrCat(declared, "host: \"", http_.url(), "\"");
    text.replace(text.find("FILE"), 4, file);
    reload.mutable_config()->set_text(text);
    grpc::Status refused = Call(&Stub::ReloadConfig, reload);
    EXPECT_EQ(refused.error_code(), StatusCode::INVALID_ARGUMENT) << file;
    EXPECT_THAT(refused.error_message(),
                HasSubstr("file_lines.path: '" + file + "' is outside the config directory"));
    control::StartRequest start;
    start.mutable_config()->set_text(text);
    EXPECT_EQ(Call(&Stub::Start, start).error_code(), StatusCode::INVALID_ARGUMENT) << file;
  }
  EXPECT_EQ(daemon_->Position().run_number, 0) << "nothing started";

  std::string inside = absl::StrCat(declared, "host: \"", http_.url(), "\"");
  inside.replace(inside.find("FILE"), 4, "users.txt");
  reload.mutable_config()->set_text(inside);
  grpc::Status inside_reload = Call(&Stub::ReloadConfig, reload);
  EXPECT_TRUE(inside_reload.ok()) << inside_reload.error_message();
  reload.mutable_config()->set_path("good.pbtxt");
  control::Status status;
  ASSERT_TRUE(Call(&Stub::ReloadConfig, reload, &status).ok());
  EXPECT_EQ(status.config_source(), "good.pbtxt");
}

TEST_F(ControlServiceTest, StatsPerPhaseAndTotalAndReset) {
  StartRun();
  ASSERT_TRUE(Eventually([&] { return GetStatus().total_requests() > 100; }));
  control::JumpToPhaseRequest jump;
  jump.set_phase(1);
  ASSERT_TRUE(Call(&Stub::JumpToPhase, jump).ok());
  ASSERT_TRUE(Eventually([&] {
    control::StatsReport report;
    EXPECT_TRUE(Call(&Stub::GetStats, control::GetStatsRequest(), &report).ok());
    return report.current_phase().requests_size() == 2;  // the Buyers have posted too
  }));
  control::StatsReport report;
  ASSERT_TRUE(Call(&Stub::GetStats, control::GetStatsRequest(), &report).ok());
  ASSERT_EQ(report.completed_phases_size(), 1);
  const control::PhaseStats& first = report.completed_phases(0);
  EXPECT_EQ(first.name(), "first");
  ASSERT_EQ(first.requests_size(), 1);
  EXPECT_EQ(first.requests(0).method(), "GET");
  EXPECT_EQ(first.requests(0).name(), "home");
  EXPECT_GT(first.requests(0).requests(), 100);
  EXPECT_GT(first.requests(0).p99_ms(), 0);
  EXPECT_LE(first.requests(0).p50_ms(), first.requests(0).p99_ms());
  EXPECT_EQ(first.aggregated().requests(), first.requests(0).requests());
  EXPECT_EQ(report.current_phase().requests(0).method(), "POST");
  EXPECT_EQ(report.current_phase().requests(0).name(), "cart");
  EXPECT_GE(report.total().aggregated().requests(),
            first.aggregated().requests() + report.current_phase().aggregated().requests());

  control::Status status;
  ASSERT_TRUE(Call(&Stub::ResetStats, control::ResetStatsRequest(), &status).ok());
  EXPECT_EQ(status.completed_phases_size(), 0);
  EXPECT_LT(status.total_requests(), first.aggregated().requests());
  ASSERT_TRUE(Call(&Stub::GetStats, control::GetStatsRequest(), &report).ok());
  EXPECT_EQ(report.completed_phases_size(), 0);
}

TEST_F(ControlServiceTest, FailuresAreCountedPerKind) {
  HttpServer failing([](const ServerRequest&) { return ServerResponse{.status = 503}; }, 1, false);
  control::StartRequest start;
  start.mutable_config()->set_text(absl::StrCat(kConfig, "host: \"", failing.url(), "\""));
  ASSERT_TRUE(Call(&Stub::Start, start).ok());
  ASSERT_TRUE(Eventually([&] { return GetStatus().total_failures() > 20; }));
  control::StatsReport report;
  ASSERT_TRUE(Call(&Stub::GetStats, control::GetStatsRequest(), &report).ok());
  ASSERT_EQ(report.total().failures_size(), 1);
  EXPECT_EQ(report.total().failures(0).name(), "home");
  EXPECT_EQ(report.total().failures(0).error(), "HTTP 503");
  ASSERT_TRUE(Call(&Stub::Stop, control::StopRequest()).ok());
}

TEST_F(ControlServiceTest, ListsApplicationsAndDeclaredTypes) {
  control::ApplicationList list;
  ASSERT_TRUE(Call(&Stub::ListApplications, control::ListApplicationsRequest(), &list).ok());
  std::vector<std::string> names;
  for (const auto& app : list.applications()) names.push_back(app.name());
  EXPECT_THAT(names, ::testing::IsSupersetOf({"hipster_shop", "inference", "mubench"}));
  for (const auto& app : list.applications()) {
    if (app.name() == "hipster_shop") {
      EXPECT_THAT(app.user_types(), ::testing::ElementsAre("Holiday", "Normal", "Weekend"));
    }
  }
  EXPECT_THAT(list.declared_user_types(), ::testing::ElementsAre("Browser", "Buyer"));
}

TEST_F(ControlServiceTest, CheckConfigAnswersWithTheMessagesAndChangesNothing) {
  control::CheckConfigRequest request;
  request.mutable_config()->set_text("phases { duration: 0 bogus: 1 }");
  request.mutable_config()->set_name("pasted");
  control::ConfigCheck check;
  ASSERT_TRUE(Call(&Stub::CheckConfig, request, &check).ok());
  EXPECT_FALSE(check.valid());
  EXPECT_THAT(check.errors(), HasSubstr("pasted:1:"));
  EXPECT_THAT(check.errors(), HasSubstr("bogus"));

  request.mutable_config()->set_text(absl::StrCat(kConfig, "host: \"", http_.url(), "\""));
  ASSERT_TRUE(Call(&Stub::CheckConfig, request, &check).ok());
  EXPECT_TRUE(check.valid()) << check.errors();
  EXPECT_EQ(check.name(), "pasted");
  EXPECT_EQ(check.digest(), GetStatus().config_digest());  // the same text as the one in force
  ASSERT_EQ(check.phases_size(), 2);
  EXPECT_EQ(check.phases(1).name(), "second");
  EXPECT_EQ(check.phases(1).users(), 6);
  EXPECT_EQ(check.phases(1).duration_s(), 600);
  EXPECT_FALSE(check.phases(1).open());
  EXPECT_THAT(check.phases(1).user_types(), ::testing::ElementsAre("Browser", "Buyer"));
  EXPECT_EQ(GetStatus().run_number(), 0);

  // A path outside the config directory is refused, as Start refuses it: an error, not a check.
  request.mutable_config()->set_path("../secret.txt");
  const grpc::Status refused = Call(&Stub::CheckConfig, request, &check);
  EXPECT_EQ(refused.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(), Not(HasSubstr("s3cret")));
}

TEST_F(ControlServiceTest, GetConfigShowsTheConfigInForce) {
  control::ConfigCheck config;
  ASSERT_TRUE(Call(&Stub::GetConfig, control::GetConfigRequest(), &config).ok());
  EXPECT_TRUE(config.valid());
  EXPECT_EQ(config.name(), "control.pbtxt");
  EXPECT_EQ(config.digest(), GetStatus().config_digest());
  EXPECT_THAT(config.text(), HasSubstr("name: \"first\""));
  ASSERT_EQ(config.phases_size(), 2);
  EXPECT_EQ(config.phases(0).users(), 10);
}

TEST_F(ControlServiceTest, HealthFollowsTheRunState) {
  auto health = Health::NewStub(channel_);
  auto check = [&](const std::string& service) {
    grpc::ClientContext context;
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    EXPECT_TRUE(health->Check(&context, request, &response).ok());
    return response.status();
  };
  auto update = [&] { server_->UpdateHealth(daemon_->Position().state); };  // as the daemon loop
  const std::string service = "pl.demos.load_generation.LoadGenerator";
  EXPECT_EQ(check(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(check(service), HealthCheckResponse::NOT_SERVING);
  StartRun();
  update();
  EXPECT_EQ(check(service), HealthCheckResponse::SERVING);
  ASSERT_TRUE(Call(&Stub::Stop, control::StopRequest()).ok());
  update();
  EXPECT_EQ(check(service), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(check(""), HealthCheckResponse::SERVING);
}

TEST_F(ControlServiceTest, TokensGuardEveryCallButHealth) {
  Serve("s3cret");
  control::Status status;
  grpc::Status none = Call(&Stub::GetStatus, control::GetStatusRequest(), &status);
  EXPECT_EQ(none.error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("authorization: Bearer"));
  for (const char* wrong : {"Bearer s3cre", "Bearer s3cretX", "s3cret", "Basic s3cret"}) {
    EXPECT_EQ(Call(&Stub::GetStatus, control::GetStatusRequest(), &status, wrong).error_code(),
              StatusCode::UNAUTHENTICATED)
        << wrong;
  }
  control::StatsReport report;
  EXPECT_EQ(Call(&Stub::GetStats, control::GetStatsRequest(), &report).error_code(),
            StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Call(&Stub::Start, control::StartRequest(), &status).error_code(),
            StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(daemon_->Position().run_number, 0) << "a refused Start starts nothing";
  EXPECT_TRUE(Call(&Stub::GetStatus, control::GetStatusRequest(), &status, "Bearer s3cret").ok());

  grpc::ClientContext context;
  HealthCheckResponse health;
  EXPECT_TRUE(Health::NewStub(channel_)->Check(&context, HealthCheckRequest(), &health).ok());
}

TEST_F(ControlServiceTest, ServesTlsFromCertAndKeyFiles) {
  const std::string dir = ::testing::TempDir();
  const testing::PemPair pem = testing::SelfSignedLocalhost();
  const std::string cert = dir + "/control_cert.pem", key = dir + "/control_key.pem";
  for (const auto& [path, text] : {std::pair{cert, pem.cert}, std::pair{key, pem.key}}) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  auto server = ControlServer::Start(
      *daemon_, {.address = "127.0.0.1:0", .tls_cert_file = cert, .tls_key_file = key});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = absl::StrCat("127.0.0.1:", (*server)->port());

  grpc::SslCredentialsOptions trusted;
  trusted.pem_root_certs = pem.cert;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  auto stub = control::LoadGenerator::NewStub(
      grpc::CreateCustomChannel(address, grpc::SslCredentials(trusted), args));
  grpc::ClientContext context;
  control::Status status;
  EXPECT_TRUE(stub->GetStatus(&context, control::GetStatusRequest(), &status).ok());

  auto plaintext = control::LoadGenerator::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext plain_context;
  plain_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  EXPECT_FALSE(plaintext->GetStatus(&plain_context, control::GetStatusRequest(), &status).ok());

  EXPECT_EQ(ControlServer::Start(*daemon_, {.address = "127.0.0.1:0", .tls_cert_file = cert})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument)
      << "a certificate without a key";
  EXPECT_THAT(std::string(ControlServer::Start(*daemon_, {.address = "127.0.0.1:0",
                                                          .tls_cert_file = "/no/cert.pem",
                                                          .tls_key_file = key})
                              .status()
                              .message()),
              HasSubstr("/no/cert.pem"));
}

TEST_F(ControlServiceTest, AnAddressInUseIsAClearError) {
  auto second =
      ControlServer::Start(*daemon_, {.address = absl::StrCat("127.0.0.1:", server_->port())});
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("cannot serve gRPC on"));
}

TEST_F(ControlServiceTest, FiftyWatchersEachGetTheirUpdates) {
  StartRun();
  constexpr int kWatchers = 50;
  constexpr int kUpdates = 5;
  std::atomic<int> done{0};
  std::vector<std::thread> watchers;
  std::vector<int> updates(kWatchers, 0);
  for (int i = 0; i < kWatchers; ++i) {
    watchers.emplace_back([&, i] {
      grpc::ClientContext context;
      control::WatchStatusRequest request;
      request.set_interval_ms(100);
      auto reader = stub_->WatchStatus(&context, request);
      control::Status status;
      while (updates[i] < kUpdates && reader->Read(&status)) {
        if (status.state() == control::Status::RUNNING) ++updates[i];
      }
      context.TryCancel();
      reader->Finish();
      ++done;
    });
  }
  const bool all_done = Eventually([&] { return done == kWatchers; });
  for (std::thread& t : watchers) t.join();
  ASSERT_TRUE(all_done);
  for (int i = 0; i < kWatchers; ++i) EXPECT_EQ(updates[i], kUpdates) << "watcher " << i;
  EXPECT_EQ(GetStatus().total_failures(), 0);
}

TEST(WatchSlots, NoOneAddressTakesEverySlot) {
  WatchSlots slots(/*total=*/5, /*per_address=*/2);
  EXPECT_TRUE(slots.Take("ipv4:10.0.0.1:1000").ok());
  EXPECT_TRUE(slots.Take("ipv4:10.0.0.1:1001").ok());
  const absl::Status third = slots.Take("ipv4:10.0.0.1:1002");
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(third.message(), "at most 2 status watchers from one address (ipv4:10.0.0.1)");
  EXPECT_TRUE(slots.Take("ipv6:[::1]:1000").ok());
  EXPECT_TRUE(slots.Take("ipv6:[::1]:1001").ok());
  EXPECT_TRUE(slots.Take("ipv4:10.0.0.2:1000").ok());
  EXPECT_EQ(slots.Take("ipv4:10.0.0.3:1000").message(), "at most 5 status watchers at once");
  slots.Release("ipv4:10.0.0.1:1000");
  EXPECT_TRUE(slots.Take("ipv4:10.0.0.1:1003").ok()) << "a slot given back is free again";
}

TEST_F(ControlServiceTest, OneClientCannotTakeEveryWatchSlot) {
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<control::Status>>> readers;
  control::WatchStatusRequest request;
  request.set_interval_ms(3'600'000);
  control::Status status;
  for (int i = 0; i < ControlService::kMaxWatchersPerAddress; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    readers.push_back(stub_->WatchStatus(contexts.back().get(), request));
    ASSERT_TRUE(readers.back()->Read(&status)) << "watcher " << i;
  }
  grpc::ClientContext one_more;
  auto refused = stub_->WatchStatus(&one_more, request);
  EXPECT_FALSE(refused->Read(&status));
  const grpc::Status end = refused->Finish();
  EXPECT_EQ(end.error_code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(end.error_message(), HasSubstr("from one address"));
  EXPECT_TRUE(Call(&Stub::GetStatus, control::GetStatusRequest(), &status).ok())
      << "other calls still answer";
  for (auto& context : contexts) context->TryCancel();
  for (auto& reader : readers) reader->Finish();
}

TEST_F(ControlServiceTest, WatchIntervalsAreChecked) {
  grpc::ClientContext context;
  control::WatchStatusRequest request;
  request.set_interval_ms(5);
  auto reader = stub_->WatchStatus(&context, request);
  control::Status status;
  EXPECT_FALSE(reader->Read(&status));
  grpc::Status end = reader->Finish();
  EXPECT_EQ(end.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(end.error_message(), "interval_ms must be in 100..3600000, not 5");
}

TEST_F(ControlServiceTest, ShutdownEndsWatchStreams) {
  grpc::ClientContext context;
  control::WatchStatusRequest request;
  request.set_interval_ms(3'600'000);
  auto reader = stub_->WatchStatus(&context, request);
  control::Status status;
  ASSERT_TRUE(reader->Read(&status));
  server_->Shutdown();
  EXPECT_FALSE(reader->Read(&status));
  EXPECT_EQ(reader->Finish().error_code(), StatusCode::UNAVAILABLE);
}

// The daemon alone: how a run ended decides whether a batch daemon exits.
TEST_F(ControlServiceTest, ARunThatEndsByItselfIsNotStoppedByACall) {
  ASSERT_TRUE(daemon_->Start(std::nullopt, clock_.Now(), absl::Milliseconds(300), {}).ok());
  ASSERT_TRUE(Eventually([&] { return daemon_->Position().state == RunState::kIdle; }));
  EXPECT_FALSE(daemon_->Position().stopped_by_call);
  StartRun();
  ASSERT_TRUE(daemon_->Stop(std::nullopt).ok());
  EXPECT_TRUE(daemon_->Position().stopped_by_call);
}

TEST_F(ControlServiceTest, AShardCountAtStartNeedsThePodsIndex) {
  // This daemon has no pod index: it cannot know its share of 3 shards.
  control::StartRequest start;
  start.set_shard_count(3);
  const grpc::Status refused = Call(&Stub::Start, start);
  EXPECT_EQ(refused.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("this daemon's index is unknown"));
  EXPECT_EQ(GetStatus().state(), control::Status::IDLE);
}

TEST_F(ControlServiceTest, AScheduledStartWaits) {
  control::StartRequest start;
  start.set_start_at_unix_ms(absl::ToUnixMillis(absl::Now() + absl::Hours(1)));
  control::Status status;
  ASSERT_TRUE(Call(&Stub::Start, start, &status).ok());
  EXPECT_EQ(status.state(), control::Status::SCHEDULED);
  EXPECT_EQ(status.start_at_unix_ms(), start.start_at_unix_ms());
  EXPECT_EQ(Call(&Stub::Pause, control::PauseRequest()).error_code(),
            StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Call(&Stub::Stop, control::StopRequest(), &status).ok());
  EXPECT_EQ(status.state(), control::Status::IDLE);
}

TEST_F(ControlServiceTest, AStartMoreThanAWeekAheadIsAMistakeOfUnit) {
  control::StartRequest start;
  // Microseconds where milliseconds belong: 55,000 years ahead.
  start.set_start_at_unix_ms(absl::ToUnixMicros(absl::Now()));
  const grpc::Status refused = Call(&Stub::Start, start);
  EXPECT_EQ(refused.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("is more than 168h ahead (start_at_unix_ms counts milliseconds)"));
  EXPECT_EQ(GetStatus().state(), control::Status::IDLE);
  start.set_start_at_unix_ms(absl::ToUnixMillis(absl::Now() + absl::Hours(7 * 24 - 1)));
  EXPECT_TRUE(Call(&Stub::Start, start).ok());
}

}  // namespace
}  // namespace loadgen
