#include "load_generation/runtime/scheduler.h"

#include <memory>
#include <vector>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "load_generation/clock/simulated_clock.h"
#include "load_generation/testing/fake_behavior.h"

namespace loadgen {
namespace {

using ::loadgen::testing::FakeBehavior;
using ::loadgen::testing::Journal;

constexpr char kHipsterShop[] = R"pb(
  phases {
    user_types { name: "Normal" ratio: 1 min_wait_ms: 1000 max_wait_ms: 1000 }
    duration: 50
    num_users: 100
    hatch_rate_per_s: 30
  }
  phases {
    user_types { name: "Normal" ratio: 1 min_wait_ms: 1000 max_wait_ms: 1000 }
    user_types { name: "Weekend" ratio: 2 min_wait_ms: 1000 max_wait_ms: 1000 }
    duration: 20
    num_users: 200
    hatch_rate_per_s: 50
  }
  phases {
    name: "holiday"
    user_types { name: "Normal" ratio: 1 min_wait_ms: 1000 max_wait_ms: 1000 }
    user_types { name: "Holiday" ratio: 3 min_wait_ms: 1000 max_wait_ms: 1000 }
    duration: 10
    num_users: 300
    hatch_rate_per_s: 100
  }
)pb";

class SchedulerTest : public ::testing::Test {
 protected:
  void Start(const std::string& text, Scheduler::Options options = {}) {
    auto config = ParseLoadConfig(text, "load.pbtxt");
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
    auto target = ParseHttpTarget("http://127.0.0.1:1");
    pool_ = std::make_unique<UserPool>(
        io_.get_executor(), std::vector<EventLoopHandle>{{io_.get_executor(), &stats_.shard(0)}},
        clock_,
        [this](absl::string_view) {
          return std::make_unique<FakeBehavior>(journal_, clock_, absl::Milliseconds(20));
        },
        UserPool::Options{.seed = 1, .http = {.target = *target}});
    if (options.start == absl::Time()) options.start = t0_;
    scheduler_ =
        std::make_unique<Scheduler>(io_.get_executor(), clock_, config_, *pool_, stats_, options);
    asio::co_spawn(io_, scheduler_->Run(),
                   [this](const std::exception_ptr&) { ended_at_ = clock_.Now(); });
    clock_.RunReady(io_);
  }

  void TearDown() override {
    if (!scheduler_) return;
    scheduler_->Stop();
    clock_.Advance(absl::Minutes(1), io_);
    EXPECT_TRUE(ended_at_.has_value());
  }

  void AdvanceTo(absl::Duration since_start) { clock_.AdvanceTo(t0_ + since_start, io_); }
  int Active(absl::string_view type) { return static_cast<int>(pool_->Users(type).size()); }

  asio::io_context io_;
  SimulatedClock clock_;
  const absl::Time t0_ = clock_.Now();
  LoadConfig config_;
  Stats stats_{1};
  Journal journal_;
  std::unique_ptr<UserPool> pool_;
  std::unique_ptr<Scheduler> scheduler_;
  std::optional<absl::Time> ended_at_;
};

TEST_F(SchedulerTest, PhaseBoundariesLandExactlyOnScheduleAndLoop) {
  Start(kHipsterShop);
  const absl::Duration kTick = absl::Nanoseconds(1);
  AdvanceTo(absl::Seconds(50) - kTick);
  EXPECT_EQ(scheduler_->current()->phase, 0);
  AdvanceTo(absl::Seconds(50));
  EXPECT_EQ(scheduler_->current()->phase, 1);
  AdvanceTo(absl::Seconds(70) - kTick);
  EXPECT_EQ(scheduler_->current()->phase, 1);
  AdvanceTo(absl::Seconds(70));
  EXPECT_EQ(scheduler_->current()->phase, 2);
  AdvanceTo(absl::Seconds(80));
  EXPECT_EQ(scheduler_->current()->phase, 0);
  EXPECT_EQ(scheduler_->current()->loop, 1);
  AdvanceTo(absl::Seconds(80 * 5 + 50));  // no drift after five loops
  EXPECT_EQ(scheduler_->current()->number, 16);

  std::vector<PhaseResult> completed = stats_.Completed();
  ASSERT_GE(completed.size(), 3u);
  EXPECT_EQ(completed[0].occurrence.start, t0_);
  EXPECT_EQ(completed[0].end, t0_ + absl::Seconds(50));
  EXPECT_EQ(completed[1].occurrence.start, t0_ + absl::Seconds(50));
  EXPECT_EQ(completed[2].occurrence.start, t0_ + absl::Seconds(70));
  EXPECT_EQ(completed[2].name, "holiday");
  EXPECT_EQ(completed[2].target_users, 300);
  EXPECT_EQ(completed[1].name, "phase1");
}

TEST_F(SchedulerTest, EachPhaseReachesItsExactSplitAndUsersThatStayStay) {
  Start(kHipsterShop);
  AdvanceTo(absl::Seconds(49));
  EXPECT_EQ(Active("Normal"), 100);
  std::vector<std::shared_ptr<User>> phase0 = pool_->Users("Normal");
  AdvanceTo(absl::Seconds(69));
  EXPECT_EQ(Active("Normal"), 67);
  EXPECT_EQ(Active("Weekend"), 133);
  for (int i = 0; i < 67; ++i) EXPECT_EQ(pool_->Users("Normal")[i], phase0[i]);
  AdvanceTo(absl::Seconds(79));
  EXPECT_EQ(Active("Normal"), 75);
  EXPECT_EQ(Active("Weekend"), 0) << "a type the phase does not list is stopped";
  EXPECT_EQ(Active("Holiday"), 225);
  for (int i = 0; i < 67; ++i) EXPECT_EQ(pool_->Users("Normal")[i], phase0[i]);
  EXPECT_EQ(pool_->users_started(), 100 + 133 + 8 + 225);
}

TEST_F(SchedulerTest, AnIdlePhaseStopsEveryUserAndTheNextStartsThemAgain) {
  Start(R"pb(
    phases {
      user_types { name: "Normal" ratio: 1 min_wait_ms: 1000 max_wait_ms: 1000 }
      duration: 10
      num_users: 20
      hatch_rate_per_s: 1000
    }
    phases { name: "cooldown" duration: 5 }
    loops: 2
  )pb");
  AdvanceTo(absl::Seconds(9));
  EXPECT_EQ(Active("Normal"), 20);
  AdvanceTo(absl::Seconds(14));
  EXPECT_EQ(Active("Normal"), 0) << "no users in the cooldown";
  EXPECT_EQ(scheduler_->current()->phase, 1);
  AdvanceTo(absl::Seconds(24));
  EXPECT_EQ(Active("Normal"), 20) << "the next loop's phase 0";
  const std::vector<PhaseResult> done = stats_.Completed();
  ASSERT_GE(done.size(), 2u);
  EXPECT_EQ(done[1].name, "cooldown");
  EXPECT_EQ(done[1].target_users, 0);
}

TEST_F(SchedulerTest, RampsFollowEachPhasesHatchRate) {
  Start(kHipsterShop);
  AdvanceTo(absl::Seconds(1.5));
  EXPECT_EQ(Active("Normal"), 46);  // 30/s: floor(30 * 1.5) + 1
  AdvanceTo(absl::Seconds(51.5));
  EXPECT_EQ(Active("Weekend"), 76);  // 50/s from the boundary: floor(50 * 1.5) + 1
}

TEST_F(SchedulerTest, LoopsBoundTheRun) {
  Start(std::string(kHipsterShop) + "loops: 2");
  AdvanceTo(absl::Seconds(160) - absl::Nanoseconds(1));
  EXPECT_FALSE(ended_at_.has_value());
  EXPECT_EQ(scheduler_->current()->loop, 1);
  AdvanceTo(absl::Seconds(200));
  ASSERT_TRUE(ended_at_.has_value());
  // Users pausing stop at once; those in a 20 ms task finish it.
  EXPECT_LE(*ended_at_ - t0_, absl::Seconds(160) + absl::Milliseconds(20));
  EXPECT_EQ(pool_->LiveUsers(), 0);
  EXPECT_EQ(stats_.Completed().size(), 6u);
}

TEST_F(SchedulerTest, TheDeadlineEndsTheRunMidPhase) {
  Start(kHipsterShop, {.deadline = t0_ + absl::Seconds(60)});
  AdvanceTo(absl::Seconds(59));
  EXPECT_FALSE(ended_at_.has_value());
  AdvanceTo(absl::Seconds(61));
  ASSERT_TRUE(ended_at_.has_value());
  EXPECT_LE(*ended_at_ - t0_, absl::Seconds(60) + absl::Milliseconds(20));
  std::vector<PhaseResult> completed = stats_.Completed();
  ASSERT_EQ(completed.size(), 2u);
  EXPECT_EQ(completed[1].occurrence.phase, 1);
  EXPECT_LE(completed[1].end - completed[1].occurrence.start,
            absl::Seconds(10) + absl::Milliseconds(20));
}

TEST_F(SchedulerTest, StopEndsTheRunAtOnce) {
  Start(kHipsterShop);
  AdvanceTo(absl::Seconds(30));
  scheduler_->Stop();
  AdvanceTo(absl::Seconds(31));
  ASSERT_TRUE(ended_at_.has_value());
  EXPECT_LE(*ended_at_ - t0_, absl::Seconds(30) + absl::Milliseconds(20));
  EXPECT_FALSE(scheduler_->current().has_value());
  for (const auto& [user, calls] : journal_.on_start) EXPECT_EQ(journal_.on_stop[user], 1);
}

TEST_F(SchedulerTest, WaitsForALaterStart) {
  Start(kHipsterShop, {.start = t0_ + absl::Seconds(10)});
  AdvanceTo(absl::Seconds(9));
  EXPECT_FALSE(scheduler_->current().has_value());
  EXPECT_EQ(pool_->LiveUsers(), 0);
  AdvanceTo(absl::Seconds(10));
  EXPECT_EQ(scheduler_->current()->phase, 0);
  EXPECT_EQ(Active("Normal"), 1);
}

TEST_F(SchedulerTest, JumpStartsThePhaseNowAndTheRestFollowOnSchedule) {
  Start(kHipsterShop);
  AdvanceTo(absl::Seconds(10));
  ASSERT_TRUE(scheduler_->JumpTo(2).ok());
  clock_.RunReady(io_);
  EXPECT_EQ(scheduler_->current()->phase, 2);
  EXPECT_EQ(scheduler_->current()->start, t0_ + absl::Seconds(10));
  AdvanceTo(absl::Seconds(20) - absl::Nanoseconds(1));
  EXPECT_EQ(scheduler_->current()->phase, 2);
  AdvanceTo(absl::Seconds(20));  // its 10 s are over: loop 1 begins
  EXPECT_EQ(scheduler_->current()->phase, 0);
  EXPECT_EQ(scheduler_->current()->loop, 1);
  std::vector<PhaseResult> completed = stats_.Completed();
  ASSERT_EQ(completed.size(), 2u);
  EXPECT_EQ(completed[0].end, t0_ + absl::Seconds(10)) << "phase 0 cut short by the jump";
  EXPECT_EQ(completed[1].occurrence.phase, 2);
}

TEST_F(SchedulerTest, PauseStopsTheClockAndTheUsersAndResumeShiftsTheSchedule) {
  Start(kHipsterShop);
  AdvanceTo(absl::Seconds(10));
  ASSERT_TRUE(scheduler_->Pause().ok());
  AdvanceTo(absl::Seconds(12));  // every user has finished its 20 ms task and pause by now
  const size_t tasks_when_paused = journal_.tasks.size();
  AdvanceTo(absl::Seconds(100));
  EXPECT_EQ(journal_.tasks.size(), tasks_when_paused) << "paused users do nothing";
  EXPECT_EQ(scheduler_->current()->phase, 0) << "the phase clock stood still";
  EXPECT_TRUE(scheduler_->paused());
  EXPECT_EQ(Active("Normal"), 100) << "users stay, with their sessions";
  ASSERT_TRUE(scheduler_->Resume().ok());
  AdvanceTo(absl::Seconds(101));
  EXPECT_GT(journal_.tasks.size(), tasks_when_paused + 50);
  AdvanceTo(absl::Seconds(140) - absl::Nanoseconds(1));  // 50 s of phase 0 + 90 s paused
  EXPECT_EQ(scheduler_->current()->phase, 0);
  AdvanceTo(absl::Seconds(140));
  EXPECT_EQ(scheduler_->current()->phase, 1);
}

TEST_F(SchedulerTest, TheDeadlineHoldsWhilePaused) {
  Start(kHipsterShop, {.deadline = t0_ + absl::Seconds(60)});
  AdvanceTo(absl::Seconds(10));
  ASSERT_TRUE(scheduler_->Pause().ok());
  AdvanceTo(absl::Seconds(61));
  ASSERT_TRUE(ended_at_.has_value());
  EXPECT_EQ(*ended_at_, t0_ + absl::Seconds(60));
  EXPECT_EQ(pool_->LiveUsers(), 0);
}

TEST_F(SchedulerTest, OverrideUsersHoldsUntilTheNextPhase) {
  Start(kHipsterShop);
  AdvanceTo(absl::Seconds(55));
  ASSERT_TRUE(scheduler_->OverrideUsers(30, {}).ok());
  AdvanceTo(absl::Seconds(60));
  EXPECT_EQ(Active("Normal"), 10);
  EXPECT_EQ(Active("Weekend"), 20);
  EXPECT_EQ(scheduler_->override_users(), 30);
  ASSERT_TRUE(scheduler_->OverrideUsers(30, {1, 1}).ok());
  AdvanceTo(absl::Seconds(62));
  EXPECT_EQ(Active("Normal"), 15);
  EXPECT_EQ(Active("Weekend"), 15);
  AdvanceTo(absl::Seconds(73));  // phase 2 runs its own numbers
  EXPECT_EQ(Active("Normal"), 75);
  EXPECT_EQ(Active("Holiday"), 225);
  EXPECT_FALSE(scheduler_->override_users().has_value());
  ASSERT_TRUE(scheduler_->OverrideUsers(4, {}).ok());
  AdvanceTo(absl::Seconds(76));  // 296 stops at the phase's 100/s
  EXPECT_EQ(Active("Normal") + Active("Holiday"), 4);
  ASSERT_TRUE(scheduler_->ClearOverride().ok());
  AdvanceTo(absl::Seconds(79));
  EXPECT_EQ(Active("Normal"), 75);
  EXPECT_EQ(Active("Holiday"), 225);
}

TEST_F(SchedulerTest, ControlsThatDoNotFitSayWhy) {
  Start(kHipsterShop, {.start = t0_ + absl::Seconds(10)});
  EXPECT_EQ(scheduler_->Pause().code(), absl::StatusCode::kFailedPrecondition) << "not begun";
  EXPECT_EQ(scheduler_->OverrideUsers(5, {}).code(), absl::StatusCode::kFailedPrecondition);
  AdvanceTo(absl::Seconds(11));
  absl::Status bad_phase = scheduler_->JumpTo(7);
  EXPECT_EQ(bad_phase.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_phase.message(), "phase 7 does not exist (the config has 3: 0..2)");
  EXPECT_EQ(scheduler_->Resume().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(scheduler_->Pause().ok());
  EXPECT_EQ(scheduler_->Pause().message(), "the run is paused already");
  EXPECT_EQ(scheduler_->OverrideUsers(-1, {}).message(), "users must be in 0..1000000, not -1");
  EXPECT_EQ(scheduler_->OverrideUsers(5, {1, 2}).message(),
            "give one ratio per user type of the phase (1), not 2");
  EXPECT_EQ(scheduler_->OverrideUsers(5, {0}).message(), "ratios must be > 0, not 0");
  ASSERT_TRUE(scheduler_->JumpTo(1).ok()) << "a jump also resumes";
  clock_.RunReady(io_);
  EXPECT_FALSE(scheduler_->paused());
  EXPECT_EQ(scheduler_->current()->phase, 1);
}

// Two phases of 30 s and 40 s with other users, for reloads of kHipsterShop.
constexpr char kReloaded[] = R"pb(
  phases {
    name: "warm"
    user_types { name: "Normal" ratio: 1 min_wait_ms: 1000 max_wait_ms: 1000 }
    duration: 30
    num_users: 10
    hatch_rate_per_s: 1000
  }
  phases {
    name: "hot"
    user_types { name: "Weekend" ratio: 1 min_wait_ms: 1000 max_wait_ms: 1000 }
    duration: 40
    num_users: 20
    hatch_rate_per_s: 1000
  }
)pb";

LoadConfig Parsed(const char* text) {
  auto config = ParseLoadConfig(text, "reload.pbtxt");
  EXPECT_TRUE(config.ok()) << config.status();
  return *config;
}

BehaviorSource NoBehaviors() {
  return [](absl::string_view) { return std::unique_ptr<UserBehavior>(); };
}

TEST_F(SchedulerTest, ReloadNowRestartsThePhaseOfTheSameIndexWithTheNewConfig) {
  Start(kHipsterShop);
  AdvanceTo(absl::Seconds(60));  // phase 1, 10 s in
  ASSERT_EQ(scheduler_->current()->phase, 1);
  auto behaviors = [this](absl::string_view) {
    return std::make_unique<FakeBehavior>(journal_, clock_, absl::Milliseconds(20));
  };
  ASSERT_TRUE(scheduler_->Reload(Parsed(kReloaded), behaviors, /*at_boundary=*/false).ok());
  clock_.RunReady(io_);
  EXPECT_EQ(scheduler_->current()->phase, 1);
  EXPECT_EQ(scheduler_->current()->start, t0_ + absl::Seconds(60));
  EXPECT_EQ(scheduler_->current()->end, t0_ + absl::Seconds(100)) << "the new phase's 40 s";
  AdvanceTo(absl::Seconds(61));
  EXPECT_EQ(Active("Weekend"), 20);
  EXPECT_EQ(Active("Normal"), 0);
  EXPECT_EQ(stats_.Current(clock_.Now()).name, "hot");
  AdvanceTo(absl::Seconds(100));
  EXPECT_EQ(scheduler_->current()->phase, 0) << "the new config has two phases: loop 1 begins";
  EXPECT_EQ(scheduler_->current()->loop, 1);
  EXPECT_EQ(scheduler_->current()->end, t0_ + absl::Seconds(130));
}

TEST_F(SchedulerTest, ReloadAtTheBoundaryWaitsForThePhaseToEnd) {
  Start(kHipsterShop);
  AdvanceTo(absl::Seconds(10));
  ASSERT_TRUE(scheduler_->Reload(Parsed(kReloaded), NoBehaviors(), /*at_boundary=*/true).ok());
  EXPECT_TRUE(scheduler_->reload_pending());
  AdvanceTo(absl::Seconds(50) - absl::Nanoseconds(1));
  EXPECT_EQ(scheduler_->current()->phase, 0);
  EXPECT_EQ(Active("Normal"), 100) << "the phase under way keeps the old config";
  AdvanceTo(absl::Seconds(50));
  EXPECT_FALSE(scheduler_->reload_pending());
  EXPECT_EQ(scheduler_->current()->phase, 1) << "the next phase is the new config's phase 1";
  EXPECT_EQ(scheduler_->current()->end, t0_ + absl::Seconds(90));
  EXPECT_EQ(stats_.Current(clock_.Now()).name, "hot");
}

TEST_F(SchedulerTest, ReloadOfAShorterConfigStartsAtItsPhaseZero) {
  Start(kHipsterShop);
  ASSERT_TRUE(scheduler_->JumpTo(2).ok());
  clock_.RunReady(io_);
  ASSERT_TRUE(scheduler_->Pause().ok());
  ASSERT_TRUE(scheduler_->Reload(Parsed(kReloaded), NoBehaviors(), false).ok());
  clock_.RunReady(io_);
  EXPECT_EQ(scheduler_->current()->phase, 0);
  EXPECT_FALSE(scheduler_->paused()) << "a reload now starts the phase, as a jump does";
}

TEST_F(SchedulerTest, ReloadNeedsARun) {
  Start(kHipsterShop, {.start = t0_ + absl::Seconds(10)});
  EXPECT_EQ(scheduler_->Reload(Parsed(kReloaded), NoBehaviors(), false).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SchedulerTest, ProgressCountsThePhaseAndFreezesWhilePaused) {
  Start(kHipsterShop);
  AdvanceTo(absl::Seconds(12));
  EXPECT_EQ(scheduler_->Progress().elapsed, absl::Seconds(12));
  EXPECT_EQ(scheduler_->Progress().remaining, absl::Seconds(38));
  ASSERT_TRUE(scheduler_->Pause().ok());
  AdvanceTo(absl::Seconds(30));
  EXPECT_EQ(scheduler_->Progress().elapsed, absl::Seconds(12));
  EXPECT_EQ(scheduler_->Progress().remaining, absl::Seconds(38));
  ASSERT_TRUE(scheduler_->Resume().ok());
  clock_.RunReady(io_);
  AdvanceTo(absl::Seconds(31));
  EXPECT_EQ(scheduler_->Progress().elapsed, absl::Seconds(13));
  EXPECT_EQ(scheduler_->Progress().remaining, absl::Seconds(37));
}

TEST(PhaseTargets, ShardsShareEveryTypeExactly) {
  auto config = ParseLoadConfig(kHipsterShop, "load.pbtxt");
  ASSERT_TRUE(config.ok());
  int normal = 0, holiday = 0;
  for (int shard = 0; shard < 3; ++shard) {
    std::vector<UserTypeTarget> targets = PhaseTargets(*config, 2, shard, 3);
    normal += targets[0].users;
    holiday += targets[1].users;
    EXPECT_EQ(targets[0].users + targets[1].users, 100);
  }
  EXPECT_EQ(normal, 75);
  EXPECT_EQ(holiday, 225);
}

}  // namespace
}  // namespace loadgen
