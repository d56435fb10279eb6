#include "load_generation/plan/plan.h"

#include <numeric>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::ElementsAre;

int Sum(const std::vector<int>& v) { return std::accumulate(v.begin(), v.end(), 0); }

TEST(SplitByRatio, HipsterShopPhases) {
  EXPECT_THAT(SplitByRatio(100, {1}), ElementsAre(100));
  EXPECT_THAT(SplitByRatio(200, {1, 2}), ElementsAre(67, 133));
  EXPECT_THAT(SplitByRatio(300, {1, 3}), ElementsAre(75, 225));
}

TEST(SplitByRatio, WhereRoundingWouldMissTheTotal) {
  // round(10 * 1/3) * 3 = 9: the original lost a user here; the split adds up.
  EXPECT_THAT(SplitByRatio(10, {1, 1, 1}), ElementsAre(4, 3, 3));
  // Python's round(0.5) + round(0.5) + round(1.0) = 1: the original ran one user of two.
  EXPECT_THAT(SplitByRatio(2, {1, 1, 2}), ElementsAre(1, 0, 1));
  EXPECT_THAT(SplitByRatio(0, {5, 7}), ElementsAre(0, 0));
}

TEST(SplitByRatio, PropertyExactAndWithinOneOfTheTrueShare) {
  std::mt19937 rng(1);
  for (int trial = 0; trial < 20000; ++trial) {
    int total = std::uniform_int_distribution<int>(0, 5000)(rng);
    int types = std::uniform_int_distribution<int>(1, 8)(rng);
    std::vector<int> weights;
    int64_t weight_sum = 0;
    for (int i = 0; i < types; ++i) {
      weights.push_back(std::uniform_int_distribution<int>(1, trial % 2 ? 10 : 1000000)(rng));
      weight_sum += weights.back();
    }
    std::vector<int> parts = SplitByRatio(total, weights);
    ASSERT_EQ(Sum(parts), total);
    for (int i = 0; i < types; ++i) {
      double exact = static_cast<double>(total) * weights[i] / weight_sum;
      ASSERT_GE(parts[i], static_cast<int>(exact)) << "floor of the exact share";
      ASSERT_LE(parts[i], static_cast<int>(exact) + 1) << "at most its ceiling";
    }
  }
}

TEST(ShardShare, SharesAddUpPerTypeAndShardsAreBalanced) {
  std::mt19937 rng(2);
  for (int trial = 0; trial < 5000; ++trial) {
    int shards = std::uniform_int_distribution<int>(1, 9)(rng);
    std::vector<int> counts;
    for (int i = std::uniform_int_distribution<int>(1, 6)(rng); i > 0; --i) {
      counts.push_back(std::uniform_int_distribution<int>(0, 50)(rng));
    }
    std::vector<int> type_sums(counts.size(), 0);
    int smallest = 1 << 30, largest = 0;
    for (int s = 0; s < shards; ++s) {
      std::vector<int> share = ShardShare(counts, s, shards);
      for (size_t i = 0; i < counts.size(); ++i) type_sums[i] += share[i];
      smallest = std::min(smallest, Sum(share));
      largest = std::max(largest, Sum(share));
    }
    ASSERT_EQ(type_sums, counts);
    ASSERT_LE(largest - smallest, 1);
  }
}

TEST(ShardShare, SingleUsersOfManyTypesSpreadOverShards) {
  EXPECT_THAT(ShardShare({1, 1, 1}, 0, 3), ElementsAre(1, 0, 0));
  EXPECT_THAT(ShardShare({1, 1, 1}, 1, 3), ElementsAre(0, 1, 0));
  EXPECT_THAT(ShardShare({1, 1, 1}, 2, 3), ElementsAre(0, 0, 1));
}

class PhaseTimelineTest : public ::testing::Test {
 protected:
  const absl::Time t0_ = absl::FromUnixSeconds(1000);
};

TEST_F(PhaseTimelineTest, BoundariesAreSumsOfDurationsAndLoop) {
  PhaseTimeline timeline({absl::Seconds(50), absl::Seconds(20), absl::Seconds(10)}, t0_, 0);
  auto third = timeline.Occurrence(2);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->start, t0_ + absl::Seconds(70));
  EXPECT_EQ(third->end, t0_ + absl::Seconds(80));
  auto fourth = timeline.Occurrence(3);
  ASSERT_TRUE(fourth.has_value());
  EXPECT_EQ(fourth->loop, 1);
  EXPECT_EQ(fourth->phase, 0);
  EXPECT_EQ(fourth->start, t0_ + absl::Seconds(80));
  // Far into the run there is no drift: loop 1000 starts at exactly 1000 cycles.
  EXPECT_EQ(timeline.Occurrence(3000)->start, t0_ + absl::Seconds(80 * 1000));
  EXPECT_EQ(timeline.End(), absl::InfiniteFuture());
}

TEST_F(PhaseTimelineTest, ShiftMovesEveryOccurrenceButNotTheDeadline) {
  PhaseTimeline timeline({absl::Seconds(50), absl::Seconds(20)}, t0_, 0, t0_ + absl::Seconds(100));
  EXPECT_EQ(timeline.Offset(3), absl::Seconds(120));
  timeline.Shift(absl::Seconds(15));
  EXPECT_EQ(timeline.Occurrence(1)->start, t0_ + absl::Seconds(65));
  EXPECT_EQ(timeline.Occurrence(2)->end, t0_ + absl::Seconds(100));  // cut by the deadline
  EXPECT_FALSE(timeline.Occurrence(3).has_value());
}

TEST_F(PhaseTimelineTest, LoopsBoundTheRun) {
  PhaseTimeline timeline({absl::Seconds(5), absl::Seconds(5)}, t0_, 2);
  EXPECT_TRUE(timeline.Occurrence(3).has_value());
  EXPECT_FALSE(timeline.Occurrence(4).has_value());
  EXPECT_EQ(timeline.End(), t0_ + absl::Seconds(20));
}

TEST_F(PhaseTimelineTest, DeadlineEndsTheRunMidPhase) {
  PhaseTimeline timeline({absl::Seconds(50), absl::Seconds(20)}, t0_, 0, t0_ + absl::Seconds(60));
  auto second = timeline.Occurrence(1);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->end, t0_ + absl::Seconds(60));  // cut ten seconds into phase 1
  EXPECT_FALSE(timeline.Occurrence(2).has_value());
  EXPECT_EQ(timeline.End(), t0_ + absl::Seconds(60));
}

}  // namespace
}  // namespace loadgen
