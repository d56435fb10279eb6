// The engine on real threads: controls from another thread reach the run and show in status.
// Waits are for conditions (with a generous limit), not for speed.
#include "load_generation/runtime/engine.h"

#include <thread>

#include "gtest/gtest.h"
#include "load_generation/behavior/run_config.h"
#include "load_generation/http/http_server.h"
#include "load_generation/testing/eventually.h"

namespace loadgen {
namespace {

constexpr char kConfig[] = R"pb(
  user_type_definitions {
    name: "Steady"
    tasks {
      weight: 1
      requests { path: "/" }
    }
  }
  phases {
    user_types { name: "Steady" ratio: 1 min_wait_ms: 10 max_wait_ms: 20 }
    duration: 600
    num_users: 20
    hatch_rate_per_s: 1000
  }
  phases {
    name: "second"
    user_types { name: "Steady" ratio: 1 min_wait_ms: 10 max_wait_ms: 20 }
    duration: 600
    num_users: 6
    hatch_rate_per_s: 1000
  }
)pb";

using ::loadgen::testing::Eventually;

int Active(const RunStatus& status) {
  int n = 0;
  for (const UserTypeCounts& c : status.users) n += c.active;
  return n;
}

// Loops that sleep whenever out of work, and loops that poll before they sleep (woken from
// their sleep by the controls, ended with the engine).
class EngineTest : public ::testing::TestWithParam<absl::Duration> {};

TEST_P(EngineTest, ControlsFromAnotherThreadReachTheRun) {
  HttpServer server([](const ServerRequest&) { return ServerResponse{}; }, 1, /*record=*/false);
  auto parsed = ParseLoadConfig(kConfig, "engine.pbtxt");
  ASSERT_TRUE(parsed.ok());
  auto run = ResolveRunConfig(*parsed, "engine.pbtxt", "", {});
  ASSERT_TRUE(run.ok()) << run.status();
  RealClock clock;
  Engine engine(run->config,
                {.threads = 2,
                 .seed = 1,
                 .http = {.target = *ParseHttpTarget(server.url())},
                 .busy_poll = GetParam()},
                run->Behaviors(), clock);
  EXPECT_EQ(engine.Control(PauseRun()).code(), absl::StatusCode::kFailedPrecondition)
      << "before Start";

  engine.Start(clock.Now());
  ASSERT_TRUE(Eventually([&] { return Active(engine.Status()) == 20; }));

  ASSERT_TRUE(engine.Control(PauseRun()).ok());
  EXPECT_TRUE(engine.Status().paused);
  const int64_t requests = server.requests();
  ASSERT_TRUE(Eventually([&] {
    const int64_t before = server.requests();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return server.requests() == before;
  })) << "paused users send nothing";
  EXPECT_GE(server.requests(), requests);
  ASSERT_TRUE(engine.Control(ResumeRun()).ok());
  ASSERT_TRUE(Eventually([&] { return server.requests() > requests + 100; }));

  ASSERT_TRUE(engine.Control(OverrideUserCount{.users = 3}).ok());
  EXPECT_EQ(engine.Status().override_users, 3);
  ASSERT_TRUE(Eventually([&] { return Active(engine.Status()) == 3; }));

  ASSERT_TRUE(engine.Control(JumpToPhase{.phase = 1}).ok());
  ASSERT_TRUE(Eventually([&] {
    RunStatus status = engine.Status();
    return status.occurrence && status.occurrence->phase == 1 && Active(status) == 6;
  }));
  EXPECT_EQ(engine.Status().phase_name, "second");
  EXPECT_FALSE(engine.Status().override_users.has_value()) << "an override lasts one phase";

  engine.Stop();
  ASSERT_TRUE(engine.WaitUntilDone(absl::Seconds(30)));
  EXPECT_FALSE(engine.Status().running);
  EXPECT_EQ(engine.Control(JumpToPhase{.phase = 0}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(engine.stats().Completed().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(BusyPollOrNot, EngineTest,
                         ::testing::Values(absl::ZeroDuration(), absl::Microseconds(200)));

}  // namespace
}  // namespace loadgen
