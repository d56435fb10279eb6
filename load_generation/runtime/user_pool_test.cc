#include "load_generation/runtime/user_pool.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
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

// A pool on simulated time with two "event loops" that share the test's io_context.
class UserPoolTest : public ::testing::Test {
 protected:
  void MakePool(absl::Duration task_time, absl::Duration stop_timeout = absl::Seconds(2),
                uint64_t seed = 1, const std::vector<int>& weights = {1}) {
    auto target = ParseHttpTarget("http://127.0.0.1:1");
    settings_ = {.seed = seed, .stop_timeout = stop_timeout, .http = {.target = *target}};
    pool_ = std::make_unique<UserPool>(
        io_.get_executor(),
        std::vector<EventLoopHandle>{{io_.get_executor(), &stats_.shard(0)},
                                     {io_.get_executor(), &stats_.shard(1)}},
        clock_,
        [this, task_time, weights](absl::string_view) {
          return std::make_unique<FakeBehavior>(journal_, clock_, task_time, weights);
        },
        settings_);
  }

  void TearDown() override {
    if (!pool_) return;
    bool stopped = false;
    asio::co_spawn(io_, pool_->StopAll(), [&](const std::exception_ptr&) { stopped = true; });
    clock_.Advance(absl::Minutes(10), io_);
    EXPECT_TRUE(stopped);
    EXPECT_EQ(pool_->LiveUsers(), 0);
  }

  int Active(absl::string_view type) { return static_cast<int>(pool_->Users(type).size()); }
  void AdvanceTo(absl::Duration since_start) { clock_.AdvanceTo(t0_ + since_start, io_); }

  asio::io_context io_;
  SimulatedClock clock_;
  const absl::Time t0_ = clock_.Now();
  Stats stats_{2};
  Journal journal_;
  UserPool::Options settings_;
  std::unique_ptr<UserPool> pool_;
};

TEST_F(UserPoolTest, StartsUsersAtTheHatchRate) {
  MakePool(absl::Milliseconds(100));
  pool_->SetTargets({{"A", 100, 1000, 1000}}, 30);
  clock_.RunReady(io_);
  EXPECT_EQ(Active("A"), 1);  // the first at once
  // The k-th start is at k/30 s: floor(30 t) + 1 users by time t.
  for (double t : {0.01, 0.2, 0.51, 1.0, 2.0, 3.29}) {
    AdvanceTo(absl::Seconds(t));
    EXPECT_EQ(Active("A"), static_cast<int>(std::floor(30 * t + 1e-9)) + 1) << "t=" << t;
  }
  AdvanceTo(absl::Seconds(3.3));
  EXPECT_EQ(Active("A"), 100);
  AdvanceTo(absl::Seconds(10));
  EXPECT_EQ(Active("A"), 100);
  EXPECT_EQ(pool_->users_started(), 100);
  EXPECT_EQ(journal_.on_start.size(), 100u);
}

TEST_F(UserPoolTest, TypesGrowInProportionAndReachTheExactSplit) {
  MakePool(absl::Milliseconds(100));
  pool_->SetTargets({{"Normal", 67, 1000, 1000}, {"Weekend", 133, 1000, 1000}}, 50);
  for (double t = 0.05; t < 4.0; t += 0.25) {
    AdvanceTo(absl::Seconds(t));
    const int total = Active("Normal") + Active("Weekend");
    EXPECT_NEAR(Active("Normal"), total * 67.0 / 200, 1.0) << "t=" << t;
  }
  AdvanceTo(absl::Seconds(5));
  EXPECT_EQ(Active("Normal"), 67);
  EXPECT_EQ(Active("Weekend"), 133);
}

TEST_F(UserPoolTest, UsersThatStayAreTheSameAndTheNewestStopFirst) {
  MakePool(absl::Milliseconds(100));
  pool_->SetTargets({{"Normal", 100, 500, 500}}, 100);
  AdvanceTo(absl::Seconds(5));
  std::vector<std::shared_ptr<User>> before = pool_->Users("Normal");
  ASSERT_EQ(before.size(), 100u);

  pool_->SetTargets({{"Normal", 67, 500, 500}, {"Weekend", 133, 500, 500}}, 50);
  AdvanceTo(absl::Seconds(15));
  std::vector<std::shared_ptr<User>> after = pool_->Users("Normal");
  ASSERT_EQ(after.size(), 67u);
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i], before[i]) << "the oldest 67 stay";
    EXPECT_EQ(&after[i]->http(), journal_.sessions[after[i]->id()]) << "with their session";
    EXPECT_EQ(journal_.on_start[after[i]->id()], 1) << "and are not restarted";
  }
  for (size_t i = 67; i < before.size(); ++i) {
    EXPECT_EQ(journal_.on_stop[before[i]->id()], 1) << "the newest 33 stopped";
  }
  EXPECT_EQ(Active("Weekend"), 133);
  auto counts = pool_->Counts();
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0].stopping, 0);
}

TEST_F(UserPoolTest, StoppingAndStartingShareTheHatchRateSoTheTotalStaysSteady) {
  MakePool(absl::Milliseconds(10));
  pool_->SetTargets({{"A", 100, 100, 100}}, 1000);
  AdvanceTo(absl::Seconds(1));
  ASSERT_EQ(Active("A"), 100);
  pool_->SetTargets({{"B", 100, 100, 100}}, 20);  // swap every user's type at 20/s
  for (double t = 1.1; t < 6; t += 0.5) {
    AdvanceTo(absl::Seconds(t));
    EXPECT_NEAR(Active("A") + Active("B"), 100, 1) << "t=" << t;
    EXPECT_NEAR(Active("B"), std::floor((t - 1) * 20) + 1, 1) << "t=" << t;
  }
}

TEST_F(UserPoolTest, AUserStopsAfterItsTaskAndAPausedUserStopsAtOnce) {
  MakePool(absl::Seconds(1), /*stop_timeout=*/absl::Seconds(5));
  pool_->SetTargets({{"A", 2, 10000, 10000}}, 1000);
  // User 0 runs its first task during [0, 1s) then pauses 10 s; user 1 starts at 1 ms.
  AdvanceTo(absl::Milliseconds(500));
  pool_->SetTargets({{"A", 1, 10000, 10000}}, 1000);  // stops user 1, in its task
  AdvanceTo(absl::Milliseconds(999));
  EXPECT_EQ(pool_->LiveUsers(), 2) << "user 1 is finishing its task";
  AdvanceTo(absl::Milliseconds(1001));
  EXPECT_EQ(pool_->LiveUsers(), 1);
  EXPECT_EQ(journal_.on_stop[1], 1);
  EXPECT_NE(journal_.tasks[1].end, absl::InfinitePast()) << "its task completed";

  AdvanceTo(absl::Seconds(3));  // user 0 is pausing
  pool_->SetTargets({{"A", 0, 10000, 10000}}, 1000);
  clock_.RunReady(io_);
  EXPECT_EQ(pool_->LiveUsers(), 0) << "a pause does not hold a stop";
  EXPECT_EQ(journal_.on_stop[0], 1);
}

TEST_F(UserPoolTest, StopTimeoutCancelsALongTask) {
  MakePool(absl::Seconds(60), /*stop_timeout=*/absl::Seconds(2));
  pool_->SetTargets({{"A", 1, 0, 0}}, 1);
  AdvanceTo(absl::Seconds(10));
  bool stopped = false;
  absl::Time stopped_at;
  asio::co_spawn(io_, pool_->StopAll(), [&](const std::exception_ptr&) {
    stopped = true;
    stopped_at = clock_.Now();
  });
  AdvanceTo(absl::Seconds(11.999));
  EXPECT_FALSE(stopped);
  AdvanceTo(absl::Seconds(30));
  EXPECT_TRUE(stopped);
  EXPECT_EQ(stopped_at, t0_ + absl::Seconds(12)) << "exactly the stop timeout after the stop";
  EXPECT_EQ(journal_.tasks[0].end, absl::InfinitePast()) << "the task was cut short";
  EXPECT_EQ(journal_.on_stop.count(0), 0u) << "a cancelled user does not run on_stop";
}

TEST_F(UserPoolTest, StopAllCanGiveAnotherTimeout) {
  MakePool(absl::Seconds(60), /*stop_timeout=*/absl::Seconds(2));
  pool_->SetTargets({{"A", 1, 0, 0}}, 1);
  AdvanceTo(absl::Seconds(10));
  absl::Time stopped_at = absl::InfiniteFuture();
  asio::co_spawn(io_, pool_->StopAll(absl::Milliseconds(300)),
                 [&](const std::exception_ptr&) { stopped_at = clock_.Now(); });
  AdvanceTo(absl::Seconds(30));
  EXPECT_EQ(stopped_at, t0_ + absl::Milliseconds(10300));
}

// Pauses are whole milliseconds uniform over [min, max]: a chi-square test over 10^5 draws.
TEST_F(UserPoolTest, PausesAreUniformOverTheWaitRange) {
  MakePool(absl::ZeroDuration());
  pool_->SetTargets({{"A", 10, 100, 199}}, 1000);
  AdvanceTo(absl::Seconds(2200));  // ~10 users x 2200 s / 0.15 s ~ 146k tasks
  std::map<int64_t, absl::Time> last_start;
  std::vector<int64_t> bins(100, 0);
  int64_t draws = 0;
  for (const Journal::TaskRun& run : journal_.tasks) {
    auto it = last_start.find(run.user);
    if (it != last_start.end()) {
      const int64_t pause_ms = absl::ToInt64Milliseconds(run.start - it->second);
      ASSERT_GE(pause_ms, 100);
      ASSERT_LE(pause_ms, 199);
      ++bins[pause_ms - 100];
      ++draws;
    }
    last_start[run.user] = run.start;
  }
  ASSERT_GE(draws, 100000);
  const double expected = static_cast<double>(draws) / bins.size();
  double chi_square = 0;
  for (int64_t observed : bins)
    chi_square += (observed - expected) * (observed - expected) / expected;
  // 99 degrees of freedom: 148.2 is the 0.999 quantile. The seed is fixed, so this never flakes.
  EXPECT_LT(chi_square, 148.2) << "draws=" << draws;
}

TEST_F(UserPoolTest, TheSameSeedGivesTheSameTasksAndPauses) {
  auto run = [](uint64_t seed) {
    asio::io_context io;
    SimulatedClock clock;
    Stats stats(1);
    Journal journal;
    auto target = ParseHttpTarget("http://127.0.0.1:1");
    UserPool pool(io.get_executor(), {{io.get_executor(), &stats.shard(0)}}, clock,
                  [&](absl::string_view) {
                    return std::make_unique<FakeBehavior>(journal, clock, absl::Milliseconds(5),
                                                          std::vector<int>{1, 4, 10});
                  },
                  {.seed = seed, .http = {.target = *target}});
    pool.SetTargets({{"A", 3, 0, 1000}}, 10);
    clock.Advance(absl::Seconds(60), io);
    asio::co_spawn(io, pool.StopAll(), [](const std::exception_ptr&) {});
    clock.Advance(absl::Seconds(60), io);
    std::vector<std::tuple<int64_t, int, absl::Time>> sequence;
    for (const auto& t : journal.tasks) sequence.emplace_back(t.user, t.task, t.start);
    return sequence;
  };
  auto a = run(42), b = run(42), c = run(43);
  EXPECT_GT(a.size(), 100u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

}  // namespace
}  // namespace loadgen
