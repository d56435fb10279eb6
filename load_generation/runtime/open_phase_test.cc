// Open phases on simulated time: the scheduler, the user pool and the arrival dispatchers
// together, with users whose tasks take as long as a test says.

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "load_generation/clock/simulated_clock.h"
#include "load_generation/runtime/arrival_dispatcher.h"
#include "load_generation/runtime/scheduler.h"

namespace loadgen {
namespace {

struct TaskRun {
  int64_t user;
  std::string type;
  absl::Time start;
};

// Tasks take `task_time(start)` and record one request that took as long.
class TimedBehavior : public UserBehavior {
 public:
  using TaskTime = std::function<absl::Duration(absl::Time start)>;
  TimedBehavior(std::vector<TaskRun>& runs, const Clock& clock, const TaskTime& task_time)
      : runs_(runs), clock_(clock), task_time_(task_time) {}

  TaskTable Tasks() const override {
    return TaskTable({{1, [this](User& u) { return Work(u); }}});
  }

 private:
  Task Work(User& u) const {
    const absl::Time start = clock_.Now();
    runs_.push_back({u.id(), u.type(), start});
    co_await u.Sleep(task_time_(start));
    u.http().Record({.method = "GET",
                     .name = "/task",
                     .latency_us = absl::ToInt64Microseconds(clock_.Now() - start),
                     .time = clock_.Now()});
  }

  std::vector<TaskRun>& runs_;
  const Clock& clock_;
  const TaskTime& task_time_;
};

class OpenPhaseTest : public ::testing::Test {
 protected:
  struct Shard {
    Stats stats{1};
    std::unique_ptr<UserPool> pool;
    std::unique_ptr<Scheduler> scheduler;
    bool ended = false;
  };

  // Starts `text` on `shards` shards, whose tasks take `task_time`.
  void Start(const std::string& text, int shards = 1) {
    auto config = ParseLoadConfig(text, "load.pbtxt");
    ASSERT_TRUE(config.ok()) << config.status();
    ASSERT_TRUE(ValidateLoadConfig(*config, "load.pbtxt", "app", {"Normal", "Weekend"}).ok())
        << ValidateLoadConfig(*config, "load.pbtxt", "app", {"Normal", "Weekend"});
    config_ = *config;
    auto target = ParseHttpTarget("http://127.0.0.1:1");
    for (int i = 0; i < shards; ++i) {
      auto shard = std::make_unique<Shard>();
      shard->pool = std::make_unique<UserPool>(
          io_.get_executor(),
          std::vector<EventLoopHandle>{{io_.get_executor(), &shard->stats.shard(0)}}, clock_,
          [this](absl::string_view) {
            return std::make_unique<TimedBehavior>(runs_, clock_, task_time_);
          },
          UserPool::Options{.seed = 1, .http = {.target = *target}});
      shard->scheduler = std::make_unique<Scheduler>(
          io_.get_executor(), clock_, config_, *shard->pool, shard->stats,
          Scheduler::Options{.start = t0_, .shard_index = i, .shard_count = shards});
      asio::co_spawn(io_, shard->scheduler->Run(),
                     [s = shard.get()](const std::exception_ptr&) { s->ended = true; });
      shards_.push_back(std::move(shard));
    }
    clock_.RunReady(io_);
  }

  void TearDown() override {
    for (auto& shard : shards_) shard->scheduler->Stop();
    clock_.Advance(absl::Minutes(1), io_);
    for (auto& shard : shards_) EXPECT_TRUE(shard->ended);
  }

  void AdvanceTo(absl::Duration since_start) { clock_.AdvanceTo(t0_ + since_start, io_); }
  Scheduler& scheduler() { return *shards_[0]->scheduler; }
  Stats& stats() { return shards_[0]->stats; }

  // Task starts in [from, to) after t0.
  int StartsBetween(absl::Duration from, absl::Duration to) const {
    return static_cast<int>(std::count_if(runs_.begin(), runs_.end(), [&](const TaskRun& r) {
      return r.start >= t0_ + from && r.start < t0_ + to;
    }));
  }

  asio::io_context io_;
  SimulatedClock clock_;
  const absl::Time t0_ = clock_.Now();
  LoadConfig config_;
  std::vector<TaskRun> runs_;
  TimedBehavior::TaskTime task_time_ = [](absl::Time) { return absl::Milliseconds(20); };
  std::vector<std::unique_ptr<Shard>> shards_;
};

TEST_F(OpenPhaseTest, AFixedRateStartsRateTimesDurationTasksOnTimeWithFewUsers) {
  Start(R"pb(
    phases {
      user_types { name: "Normal" ratio: 1 }
      user_types { name: "Weekend" ratio: 3 }
      duration: 10
      arrival_rate_per_s: 100
    }
    loops: 1
  )pb");
  AdvanceTo(absl::Seconds(11));
  ASSERT_EQ(runs_.size(), 1000u);
  for (size_t i = 0; i < runs_.size(); ++i) {
    EXPECT_EQ(runs_[i].start, t0_ + absl::Milliseconds(10 * i)) << i;
  }
  // Exact shares: a quarter Normal, three quarters Weekend.
  EXPECT_EQ(std::count_if(runs_.begin(), runs_.end(),
                          [](const TaskRun& r) { return r.type == "Normal"; }),
            250);
  // 20 ms tasks every 10 ms: one user busy while the next starts, per type; kept throughout.
  std::map<std::string, std::set<int64_t>> users;
  for (const TaskRun& r : runs_) users[r.type].insert(r.user);
  EXPECT_LE(users["Normal"].size(), 2u);
  EXPECT_LE(users["Weekend"].size(), 3u);

  const std::vector<PhaseResult> phases = stats().Completed();
  ASSERT_EQ(phases.size(), 1u);
  const RequestStats total = phases[0].stats.Total();
  EXPECT_EQ(total.requests, 1000);
  EXPECT_EQ(total.arrivals.arrivals, 1000);
  EXPECT_EQ(total.arrivals.late_starts, 0);
  EXPECT_EQ(total.arrivals.dropped, 0);
  EXPECT_GT(total.schedule_lag_us.Count(), 900);  // the arrivals handed to idle users
  EXPECT_EQ(total.schedule_lag_us.Max(), 0);      // simulated time is never late
  EXPECT_EQ(total.corrected_latency_us.Count(), 1000);
  EXPECT_EQ(total.corrected_latency_us.Max(), 20000);
  EXPECT_EQ(phases[0].stats.Arrivals().at("Weekend").arrivals, 750);
}

TEST_F(OpenPhaseTest, ARampStartsTheIntegralOfItsRate) {
  Start(R"pb(
    phases {
      user_types { name: "Normal" ratio: 1 }
      duration: 10
      arrival_rate_per_s: 10
      end_arrival_rate_per_s: 110
    }
    loops: 1
  )pb");
  AdvanceTo(absl::Seconds(11));
  EXPECT_NEAR(runs_.size(), 600, 1);
  EXPECT_NEAR(StartsBetween(absl::ZeroDuration(), absl::Seconds(5)), 5 * (10 + 60) / 2.0, 1);
}

TEST_F(OpenPhaseTest, AStallShowsInTheCorrectedLatencyAndNotInTheResponseTime) {
  // One user at most, as one wrk2 connection: tasks take 5 ms, except that the target stalls
  // from 2 s to 3 s, so the task begun at 2 s ends at 3 s and the arrivals meanwhile wait.
  task_time_ = [this](absl::Time start) {
    const absl::Time stall = t0_ + absl::Seconds(2), end = t0_ + absl::Seconds(3);
    return start >= stall && start < end ? end - start : absl::Milliseconds(5);
  };
  Start(R"pb(
    phases {
      user_types { name: "Normal" ratio: 1 }
      duration: 10
      arrival_rate_per_s: 100
      max_users: 1
    }
    loops: 1
  )pb");
  AdvanceTo(absl::Seconds(11));
  const RequestStats total = stats().Completed().at(0).stats.Total();
  EXPECT_EQ(total.requests, 1000);
  EXPECT_NEAR(total.latency_us.ValueAtQuantile(0.99), 5000, 5);  // the histogram's 0.1 %
  EXPECT_EQ(total.latency_us.Max(), 1000000);
  // The 99 arrivals during the stall, and those after it until the backlog is gone (the user
  // serves 200/s, the rate is 100/s: about a second more), started late.
  EXPECT_GT(total.arrivals.late_starts, 150);
  EXPECT_LT(total.arrivals.late_starts, 250);
  EXPECT_EQ(total.arrivals.dropped, 0);
  EXPECT_GT(total.corrected_latency_us.ValueAtQuantile(0.99), 900000);
  EXPECT_GE(total.corrected_latency_us.Max(), 1000000);
}

TEST_F(OpenPhaseTest, BusyUsersAtMaxUsersMakeLateStartsThenDrops) {
  // Arrivals every 100 ms, tasks of 240 ms, one user, 300 ms of waiting allowed:
  //   A0 0-240; A1 (due 100) 240-480 late; A2 (200) 480-720 late; at 720 A3 and A4 have
  //   waited over 300 ms: dropped; A5 (500) 720-960 late; at 960 A6 is dropped; A7 (700)
  //   starts late; the phase ends at 1 s with A8 and A9 waiting: dropped.
  task_time_ = [](absl::Time) { return absl::Milliseconds(240); };
  Start(R"pb(
    phases {
      user_types { name: "Normal" ratio: 1 }
      duration: 1
      arrival_rate_per_s: 10
      max_users: 1
      max_start_delay_ms: 300
    }
    loops: 1
  )pb");
  AdvanceTo(absl::Seconds(10));
  std::vector<absl::Duration> starts;
  for (const TaskRun& r : runs_) starts.push_back(r.start - t0_);
  EXPECT_THAT(starts, ::testing::ElementsAre(absl::ZeroDuration(), absl::Milliseconds(240),
                                             absl::Milliseconds(480), absl::Milliseconds(720),
                                             absl::Milliseconds(960)));
  const ArrivalCounts counts = stats().Completed().at(0).stats.Total().arrivals;
  EXPECT_EQ(counts.arrivals, 10);
  EXPECT_EQ(counts.late_starts, 4);
  EXPECT_EQ(counts.dropped, 5);
}

TEST_F(OpenPhaseTest, ABacklogFarPastWhatWaitsCountsEveryArrivalLateStartAndDrop) {
  // 20,000 arrivals in 2 s for one user busy 600 ms a task: most wait (far more than the
  // dispatcher keeps waiting at once), those waiting past 1 s are dropped, the rest at the end.
  //   A0 0-600; then the oldest waiting that is not past 1 s: at 600 ms the arrival due at
  //   0.1 ms (600-1200, late); at 1200 ms the one due at 200 ms (1200-1800); at 1800 ms the
  //   one due at 800 ms (1800-2400): 3 late starts.
  task_time_ = [](absl::Time) { return absl::Milliseconds(600); };
  Start(R"pb(
    phases {
      user_types { name: "Normal" ratio: 1 }
      duration: 2
      arrival_rate_per_s: 10000
      max_users: 1
      max_start_delay_ms: 1000
    }
    loops: 1
  )pb");
  for (int ms = 0; ms <= 3000; ms += 100) AdvanceTo(absl::Milliseconds(ms));
  std::vector<absl::Duration> starts;
  for (const TaskRun& r : runs_) starts.push_back(r.start - t0_);
  EXPECT_THAT(starts, ::testing::ElementsAre(absl::ZeroDuration(), absl::Milliseconds(600),
                                             absl::Milliseconds(1200), absl::Milliseconds(1800)));
  const ArrivalCounts counts = stats().Completed().at(0).stats.Total().arrivals;
  EXPECT_EQ(counts.arrivals, 20000);
  EXPECT_EQ(counts.late_starts, 3);
  EXPECT_EQ(counts.dropped, 20000 - 4);
}

// Above one arrival per kLeastWakeGap the dispatcher's timer wakes it at most once a gap, and
// each wake starts every arrival due by then: all start, none more than the gap late.
TEST_F(OpenPhaseTest, AtHighRatesArrivalsShareTheTimersWakesAndAreAtMostAGapLate) {
  task_time_ = [](absl::Time) { return absl::Microseconds(10); };
  Start(R"pb(
    phases {
      user_types { name: "Normal" ratio: 1 }
      duration: 1
      arrival_rate_per_s: 40000
    }
    loops: 1
  )pb");
  AdvanceTo(absl::Seconds(2));
  ASSERT_EQ(runs_.size(), 40000u);
  constexpr absl::Duration kGap = ArrivalDispatcher::kLeastWakeGap;
  std::set<absl::Time> wakes;
  absl::Duration latest = absl::ZeroDuration();
  for (size_t i = 0; i < runs_.size(); ++i) {
    const absl::Duration late = runs_[i].start - (t0_ + absl::Microseconds(25 * i));
    ASSERT_GE(late, absl::ZeroDuration()) << i;
    latest = std::max(latest, late);
    wakes.insert(runs_[i].start);
  }
  EXPECT_LE(latest, kGap);
  EXPECT_GT(latest, absl::ZeroDuration());  // 25 us apart, they do share wakes
  // A start time per wake, one at the phase's start (no wait) and one at its end, which starts
  // the arrivals held for a wake after it.
  EXPECT_LE(wakes.size(), static_cast<size_t>(absl::Seconds(1) / kGap) + 2);
  const RequestStats total = stats().Completed().at(0).stats.Total();
  EXPECT_EQ(total.arrivals.arrivals, 40000);
  EXPECT_EQ(total.arrivals.dropped, 0);
  EXPECT_LE(total.schedule_lag_us.Max(), absl::ToInt64Microseconds(kGap));
}

TEST_F(OpenPhaseTest, ClosedOpenClosedKeepsTheUsersAndLeavesNoGap) {
  Start(R"pb(
    phases {
      user_types { name: "Normal" ratio: 1 min_wait_ms: 50 max_wait_ms: 50 }
      duration: 5
      num_users: 4
      hatch_rate_per_s: 1000
    }
    phases {
      user_types { name: "Normal" ratio: 1 }
      duration: 5
      arrival_rate_per_s: 50
    }
    phases {
      user_types { name: "Normal" ratio: 1 min_wait_ms: 50 max_wait_ms: 50 }
      duration: 5
      num_users: 4
      hatch_rate_per_s: 1000
    }
    loops: 1
  )pb");
  AdvanceTo(absl::Seconds(16));
  // Tasks started in every 100 ms of the 15 s: no gap at either change.
  for (int i = 0; i < 150; ++i) {
    EXPECT_GT(StartsBetween(absl::Milliseconds(100 * i), absl::Milliseconds(100 * (i + 1))), 0)
        << "no task began in [" << 100 * i << ", " << 100 * (i + 1) << ") ms";
  }
  // The open phase ran 50/s on the users of the closed phase (an arrival that comes as they
  // wake from their pause may get a new one), and they carry on in the closed phase after.
  EXPECT_EQ(StartsBetween(absl::Seconds(5), absl::Seconds(10)), 250);
  std::set<int64_t> before, during, after;
  for (const TaskRun& r : runs_) {
    (r.start < t0_ + absl::Seconds(5)    ? before
     : r.start < t0_ + absl::Seconds(10) ? during
                                         : after)
        .insert(r.user);
  }
  EXPECT_EQ(before.size(), 4u);
  EXPECT_EQ(after, before) << "the users of the first phase, kept through the open one";
  EXPECT_EQ(*during.begin(), *before.begin());
  EXPECT_LE(during.size(), 2u) << "the most recently ready user goes first; the rest idle";
  const std::vector<PhaseResult> phases = stats().Completed();
  ASSERT_EQ(phases.size(), 3u);
  EXPECT_EQ(phases[1].stats.Total().arrivals.arrivals, 250);
  EXPECT_EQ(phases[0].stats.Total().corrected_latency_us.Count(), 0);
  EXPECT_GE(phases[1].stats.Total().corrected_latency_us.Count(), 249);
}

TEST_F(OpenPhaseTest, ARateOverrideHoldsUntilClearedWithoutABurst) {
  Start(R"pb(
    phases {
      user_types { name: "Normal" ratio: 1 }
      duration: 30
      arrival_rate_per_s: 100
    }
    loops: 1
  )pb");
  AdvanceTo(absl::Seconds(10));
  EXPECT_EQ(scheduler().ArrivalRateNow(), 100);
  ASSERT_TRUE(scheduler().OverrideRate(20).ok());
  EXPECT_EQ(scheduler().ArrivalRateNow(), 20);
  EXPECT_EQ(scheduler().override_rate(), 20);
  AdvanceTo(absl::Seconds(20));
  EXPECT_EQ(StartsBetween(absl::Seconds(10), absl::Seconds(20)), 200);
  ASSERT_TRUE(scheduler().ClearOverride().ok());
  AdvanceTo(absl::Seconds(25));
  EXPECT_EQ(StartsBetween(absl::Seconds(20), absl::Seconds(25)), 500) << "no burst of the past";
  EXPECT_EQ(scheduler().OverrideUsers(5, {}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(scheduler().OverrideRate(0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(scheduler().OverrideRate(2e6).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(OpenPhaseTest, PauseStopsArrivalsAndResumeGoesOnWhereItWas) {
  Start(R"pb(
    phases {
      user_types { name: "Normal" ratio: 1 }
      duration: 10
      arrival_rate_per_s: 100
    }
    loops: 1
  )pb");
  AdvanceTo(absl::Seconds(3));
  ASSERT_TRUE(scheduler().Pause().ok());
  AdvanceTo(absl::Seconds(8));
  EXPECT_EQ(StartsBetween(absl::Seconds(3) + absl::Nanoseconds(1), absl::Seconds(8)), 0);
  ASSERT_TRUE(scheduler().Resume().ok());
  AdvanceTo(absl::Seconds(20));
  EXPECT_EQ(runs_.size(), 1000u) << "the whole phase, shifted by the pause";
  EXPECT_EQ(stats().Completed().at(0).stats.Total().arrivals.dropped, 0);
}

TEST_F(OpenPhaseTest, ShardsSplitTheRateExactly) {
  Start(R"pb(
          phases {
            user_types { name: "Normal" ratio: 1 }
            duration: 10
            arrival_rate_per_s: 99
            max_users: 3
          }
          loops: 1
        )pb",
        3);
  AdvanceTo(absl::Seconds(11));
  ASSERT_EQ(runs_.size(), 990u);
  std::vector<absl::Time> starts;
  for (const TaskRun& r : runs_) starts.push_back(r.start);
  std::sort(starts.begin(), starts.end());
  for (size_t i = 0; i < starts.size(); ++i) {
    EXPECT_EQ(starts[i], t0_ + absl::Seconds(i / 99.0)) << i;
  }
  for (auto& shard : shards_) {
    EXPECT_EQ(shard->stats.Completed().at(0).stats.Total().arrivals.arrivals, 330);
    EXPECT_EQ(shard->stats.Completed().at(0).target_users, 1);
  }
}

}  // namespace
}  // namespace loadgen
