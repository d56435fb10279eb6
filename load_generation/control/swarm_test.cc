#include "load_generation/control/swarm.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::HasSubstr;

TEST(ParseLocustTimespan, LocustsSpellings) {
  EXPECT_EQ(*ParseLocustTimespan("20"), absl::Seconds(20));
  EXPECT_EQ(*ParseLocustTimespan("20s"), absl::Seconds(20));
  EXPECT_EQ(*ParseLocustTimespan("3m"), absl::Minutes(3));
  EXPECT_EQ(*ParseLocustTimespan("2h"), absl::Hours(2));
  EXPECT_EQ(*ParseLocustTimespan("1h20m"), absl::Minutes(80));
  EXPECT_EQ(*ParseLocustTimespan("3h30m10s"), absl::Seconds(3 * 3600 + 30 * 60 + 10));
  EXPECT_EQ(*ParseLocustTimespan("90m"), absl::Minutes(90));
  for (const char* bad : {"", "-5", "5x", "m", "1m2h", "1h1h", "1.5m", "1h 2m", "s20"}) {
    absl::StatusOr<absl::Duration> parsed = ParseLocustTimespan(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().message(), kLocustTimespanMessage) << bad;
  }
}

LoadConfig Base() {
  LoadConfig config;
  config.set_host("http://configured:80");
  config.set_run_time_s(600);
  PhaseConfig* first = config.add_phases();
  first->set_name("normal");
  first->set_duration(30);
  first->set_num_users(100);
  first->set_hatch_rate_per_s(10);
  UserTypeConfig* normal = first->add_user_types();
  normal->set_name("Normal");
  normal->set_ratio(1);
  normal->set_min_wait_ms(1000);
  normal->set_max_wait_ms(2000);
  PhaseConfig* second = config.add_phases();
  second->set_duration(30);
  UserTypeConfig* weekend = second->add_user_types();
  weekend->set_name("Weekend");
  weekend->set_ratio(2);
  weekend->set_min_wait_ms(500);
  weekend->set_max_wait_ms(1500);
  return config;
}

TEST(SwarmConfig, OnePhaseOfTheFirstPhasesTypesRunOnce) {
  absl::StatusOr<LoadConfig> swarm = SwarmConfig(Base(), {.user_count = 50, .spawn_rate = 0.5});
  ASSERT_TRUE(swarm.ok()) << swarm.status();
  ASSERT_EQ(swarm->phases_size(), 1);
  const PhaseConfig& phase = swarm->phases(0);
  EXPECT_EQ(phase.name(), "swarm");
  EXPECT_EQ(phase.num_users(), 50);
  EXPECT_EQ(phase.spawn_rate_per_s(), 0.5);
  EXPECT_EQ(phase.duration(), kMaxPhaseSeconds);
  ASSERT_EQ(phase.user_types_size(), 1);
  EXPECT_EQ(phase.user_types(0).name(), "Normal");
  EXPECT_EQ(phase.user_types(0).max_wait_ms(), 2000);
  EXPECT_EQ(swarm->loops(), 1);
  EXPECT_EQ(swarm->run_time_s(), 0) << "the swarm's run time rules";
  EXPECT_EQ(swarm->host(), "http://configured:80");
}

TEST(SwarmConfig, KeepsTheWholeRunsThresholdsOnly) {
  LoadConfig base = Base();
  base.add_thresholds()->set_metric("p95");
  base.mutable_thresholds(0)->set_below(200);
  *base.add_thresholds() = base.thresholds(0);
  base.mutable_thresholds(1)->set_phase("normal");
  absl::StatusOr<LoadConfig> swarm = SwarmConfig(base, {.user_count = 5, .spawn_rate = 1});
  ASSERT_TRUE(swarm.ok()) << swarm.status();
  ASSERT_EQ(swarm->thresholds_size(), 1);
  EXPECT_EQ(swarm->thresholds(0).phase(), "");
}

TEST(SwarmConfig, UserClassesTakeTheirRatiosAndWaitsFromAnyPhase) {
  absl::StatusOr<LoadConfig> swarm =
      SwarmConfig(Base(), {.user_count = 3,
                           .spawn_rate = 1,
                           .host = "http://other:8080",
                           .user_classes = {"Weekend", "Stochastic"}});
  ASSERT_TRUE(swarm.ok()) << swarm.status();
  const PhaseConfig& phase = swarm->phases(0);
  ASSERT_EQ(phase.user_types_size(), 2);
  EXPECT_EQ(phase.user_types(0).name(), "Weekend");
  EXPECT_EQ(phase.user_types(0).ratio(), 2);
  EXPECT_EQ(phase.user_types(0).min_wait_ms(), 500);
  EXPECT_EQ(phase.user_types(1).name(), "Stochastic");
  EXPECT_EQ(phase.user_types(1).ratio(), 1);
  EXPECT_EQ(phase.user_types(1).min_wait_ms(), 1000) << "the first phase's first waits";
  EXPECT_EQ(swarm->host(), "http://other:8080");
}

TEST(SwarmConfig, BadSettingsAndNothingToRun) {
  EXPECT_THAT(SwarmConfig(Base(), {.user_count = -1, .spawn_rate = 1}).status().message(),
              HasSubstr("user_count must be in 0..1000000, not -1"));
  EXPECT_THAT(SwarmConfig(Base(), {.user_count = 1, .spawn_rate = 0}).status().message(),
              HasSubstr("spawn_rate must be in (0, 1000000], not 0"));
  EXPECT_THAT(SwarmConfig(LoadConfig(), {.user_count = 1, .spawn_rate = 1}).status().message(),
              HasSubstr("no user types to run"));
  EXPECT_THAT(SwarmConfig(Base(), {.user_count = 1, .spawn_rate = 1, .user_classes = {"Normal:x"}})
                  .status()
                  .message(),
              HasSubstr("user type 'Normal:x': the ratio after ':' must be a whole number > 0"));
}

TEST(SwarmConfig, AUserClassMayGiveItsRatio) {
  absl::StatusOr<LoadConfig> swarm = SwarmConfig(
      Base(), {.user_count = 3, .spawn_rate = 1, .user_classes = {"Normal:1", "Weekend:5"}});
  ASSERT_TRUE(swarm.ok()) << swarm.status();
  EXPECT_EQ(swarm->phases(0).user_types(0).ratio(), 1);
  EXPECT_EQ(swarm->phases(0).user_types(1).name(), "Weekend");
  EXPECT_EQ(swarm->phases(0).user_types(1).ratio(), 5);
  EXPECT_EQ(swarm->phases(0).user_types(1).max_wait_ms(), 1500);
}

}  // namespace
}  // namespace loadgen
