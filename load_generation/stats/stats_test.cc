#include "load_generation/stats/stats.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

RequestSample Sample(absl::string_view method, absl::string_view name, int64_t latency_us,
                     absl::string_view error = {}, int64_t bytes = 100) {
  return {method, name, latency_us, bytes, error, kT0 + absl::Microseconds(latency_us)};
}

TEST(StatsTable, GroupsByMethodAndNameAndCountsFailuresByError) {
  StatsTable table;
  table.Record(Sample("GET", "/product/[id]", 1000));
  table.Record(Sample("GET", "/product/[id]", 3000, "HTTP 404"));
  table.Record(Sample("POST", "/cart", 2000, "HTTP 500"));
  table.Record(Sample("POST", "/cart", 2000, "HTTP 500"));
  table.Record(Sample("POST", "/cart", 2500, "connection reset"));

  auto entries = table.Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].first.name, "/cart");  // sorted by name
  EXPECT_EQ(entries[0].second->requests, 3);
  EXPECT_EQ(entries[0].second->failures, 3);
  EXPECT_EQ(entries[1].first.method, "GET");
  EXPECT_EQ(entries[1].second->requests, 2);
  EXPECT_EQ(entries[1].second->failures, 1);
  EXPECT_EQ(entries[1].second->latency_us.Max(), 3000);

  auto failures = table.Failures();
  ASSERT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures[0].first.error, "HTTP 500");
  EXPECT_EQ(failures[0].second->occurrences, 2);
  EXPECT_EQ(failures[1].first.error, "connection reset");

  RequestStats total = table.Total();
  EXPECT_EQ(total.requests, 5);
  EXPECT_EQ(total.failures, 4);
  EXPECT_EQ(total.latency_us.Min(), 1000);
  EXPECT_DOUBLE_EQ(total.AverageContentBytes(), 100.0);
}

// The same (method, name) again goes to the entry found last without a lookup: it must be
// that entry still after other names grow the table, in a copy, and after a merge.
TEST(StatsTable, TheSameNameAgainCountsInItsOwnEntryWhateverHappenedBetween) {
  StatsTable table;
  table.Record(Sample("GET", "/home", 1000));
  for (int i = 0; i < 200; ++i) {  // the table grows (and moves its entries) several times
    table.Record(Sample("GET", "/home", 1000));
    table.Record(Sample("GET", absl::StrCat("/item/", i), 1000));
    table.Record(Sample("POST", "/home", 1000));  // the same name, another method
  }
  StatsTable copy = table;
  copy.Record(Sample("GET", "/home", 1000));
  StatsTable merged;
  merged.Record(Sample("GET", "/home", 1000));
  merged.Merge(table);
  merged.Record(Sample("GET", "/home", 1000));
  table.Record(Sample("GET", "/home", 1000));

  auto count = [](const StatsTable& t, absl::string_view method, absl::string_view name) {
    for (const auto& [key, stats] : t.Entries()) {
      if (key.method == method && key.name == name) return stats->requests;
    }
    return int64_t{0};
  };
  EXPECT_EQ(count(table, "GET", "/home"), 202);
  EXPECT_EQ(count(table, "POST", "/home"), 200);
  EXPECT_EQ(count(table, "GET", "/item/7"), 1);
  EXPECT_EQ(count(copy, "GET", "/home"), 202);
  EXPECT_EQ(count(merged, "GET", "/home"), 203);
  EXPECT_EQ(table.Total().requests, 602);
}

TEST(Stats, PhasesAreKeptApartAndTheTotalHasEverything) {
  Stats stats(2);
  PhaseOccurrence first{.number = 0, .loop = 0, .phase = 0};
  PhaseOccurrence second{.number = 1, .loop = 0, .phase = 1};

  stats.BeginPhase(first, "warm", 10, kT0);
  stats.shard(0).Record(Sample("GET", "/", 1000));
  stats.shard(1).Record(Sample("GET", "/", 2000));
  EXPECT_EQ(stats.Current(kT0).stats.Total().requests, 2);

  stats.BeginPhase(second, "peak", 20, kT0 + absl::Seconds(50));
  stats.shard(1).Record(Sample("GET", "/", 5000, "timeout"));
  stats.EndPhase(kT0 + absl::Seconds(70));
  stats.shard(0).Record(Sample("GET", "/", 7000));  // after the run's last phase

  std::vector<PhaseResult> completed = stats.Completed();
  ASSERT_EQ(completed.size(), 2u);
  EXPECT_EQ(completed[0].name, "warm");
  EXPECT_EQ(completed[0].stats.Total().requests, 2);
  EXPECT_EQ(completed[0].stats.Total().failures, 0);
  EXPECT_EQ(completed[0].end, kT0 + absl::Seconds(50));
  EXPECT_EQ(completed[1].name, "peak");
  EXPECT_EQ(completed[1].target_users, 20);
  EXPECT_EQ(completed[1].stats.Total().requests, 1);
  EXPECT_EQ(completed[1].stats.Total().failures, 1);

  RequestStats total = stats.Total().Total();
  EXPECT_EQ(total.requests, 4);
  EXPECT_EQ(total.failures, 1);
  EXPECT_EQ(total.latency_us.Max(), 7000);
}

TEST(Stats, PhaseTotalsSumEveryOccurrenceOfAPhaseEvenThoseNoLongerKept) {
  Stats stats(2);
  const int loops = Stats::kKeptPhases;  // two phases a loop: the oldest occurrences are dropped
  absl::Time t = kT0;
  for (int loop = 0; loop < loops; ++loop) {
    for (int phase = 0; phase < 2; ++phase) {
      stats.BeginPhase({.number = 2 * loop + phase, .loop = loop, .phase = phase}, "p", 1, t);
      stats.shard(phase).Record(Sample("GET", "/", int64_t{1000} * (phase + 1)));
      t += absl::Seconds(1);
    }
  }
  stats.shard(0).Record(Sample("GET", "/", 1000, "timeout"));  // in the open occurrence
  EXPECT_EQ(stats.Completed().size(), Stats::kKeptPhases);

  std::map<int, StatsTable> totals = stats.PhaseTotals();
  ASSERT_EQ(totals.size(), 2u);
  EXPECT_EQ(totals[0].Total().requests, loops);
  EXPECT_EQ(totals[0].Total().latency_us.Max(), 1000);
  EXPECT_EQ(totals[1].Total().requests, loops + 1);
  EXPECT_EQ(totals[1].Total().failures, 1);
  EXPECT_EQ(totals[0].Total().requests + totals[1].Total().requests,
            stats.Total().Total().requests);
  // Each phase ran a second a loop; the one under way counts until now.
  std::map<int, absl::Duration> times = stats.PhaseTimes(t - absl::Milliseconds(500));
  EXPECT_EQ(times[0], absl::Seconds(loops));
  EXPECT_EQ(times[1], absl::Seconds(loops - 1) + absl::Milliseconds(500));

  stats.EndPhase(t);
  EXPECT_EQ(stats.PhaseTimes(t + absl::Hours(1))[1], absl::Seconds(loops));  // closed: no more
  stats.shard(1).Record(Sample("GET", "/", 1000));  // a user finishing its task as it stops
  EXPECT_EQ(stats.PhaseTotals()[1].Total().requests, loops + 2) << "counts in the last phase";
  EXPECT_EQ(stats.Completed().back().stats.Total().requests, 2) << "but not in its occurrence";

  stats.Reset(t);
  EXPECT_TRUE(stats.PhaseTotals()[1].empty());
  EXPECT_TRUE(stats.PhaseTimes(t).empty());
}

TEST(Stats, ResetForgetsEverything) {
  Stats stats(1);
  stats.BeginPhase({}, "p", 1, kT0);
  stats.shard(0).Record(Sample("GET", "/", 1000));
  stats.BeginPhase({.number = 1}, "q", 1, kT0 + absl::Seconds(1));
  stats.shard(0).Record(Sample("GET", "/", 1000));
  stats.Reset(kT0 + absl::Seconds(2));
  EXPECT_TRUE(stats.Completed().empty());
  EXPECT_TRUE(stats.Total().empty());
  EXPECT_EQ(stats.Current(kT0).occurrence.start, kT0 + absl::Seconds(2));
}

TEST(Stats, TheCompletedVersionChangesWithTheCompletedPhases) {
  Stats stats(1);
  const uint64_t empty = stats.completed_version();
  stats.BeginPhase({}, "p", 1, kT0);
  stats.shard(0).Record(Sample("GET", "/", 1000));
  EXPECT_EQ(stats.completed_version(), empty) << "recording completes no phase";
  stats.BeginPhase({.number = 1}, "q", 1, kT0 + absl::Seconds(1));
  const uint64_t one = stats.completed_version();
  EXPECT_NE(one, empty);
  stats.EndPhase(kT0 + absl::Seconds(2));
  const uint64_t two = stats.completed_version();
  EXPECT_NE(two, one);
  stats.EndPhase(kT0 + absl::Seconds(3));
  EXPECT_EQ(stats.completed_version(), two) << "nothing was open";
  stats.Reset(kT0 + absl::Seconds(4));
  EXPECT_NE(stats.completed_version(), two);
}

TEST(RecentStats, RatesAndLatencyCoverTheLastTenSeconds) {
  RecentStats recent;
  RequestStats total;
  // 100 fast requests a second for 20 s, then 10 slow ones a second (5% failing) for 10 s.
  for (int second = 0; second <= 30; ++second) {
    const bool slow = second > 20;
    for (int i = 0; i < (slow ? 10 : 100) && second > 0; ++i) {
      total.Record(Sample("GET", "/", slow ? 50000 : 1000, slow && i < 1 ? "HTTP 500" : ""));
    }
    recent.AddSample(kT0 + absl::Seconds(second), total);
    if (second == 15) {
      EXPECT_DOUBLE_EQ(recent.Current().requests_per_s, 100);
      EXPECT_EQ(recent.Current().latency_us.ValueAtQuantile(0.99), 1000);
    }
  }
  RecentStats::Figures now = recent.Current();
  EXPECT_EQ(now.span, absl::Seconds(10));
  EXPECT_DOUBLE_EQ(now.requests_per_s, 10);
  EXPECT_DOUBLE_EQ(now.failures_per_s, 1);
  EXPECT_EQ(now.latency_us.Count(), 100);
  EXPECT_NEAR(now.latency_us.ValueAtQuantile(0.5), 50000, 50);  // the histogram's 0.1%
}

TEST(RecentStats, AsOfNowRightAfterAReset) {
  RecentStats recent;
  recent.AddSample(kT0, RequestStats());  // the reset
  RequestStats live;
  for (int i = 0; i < 19; ++i) live.Record(Sample("GET", "/", 2000));
  const RecentStats::Figures now = recent.Current(kT0 + absl::Milliseconds(100), live);
  EXPECT_DOUBLE_EQ(now.requests_per_s, 190) << "19 requests in the 0.1 s since the reset";
  EXPECT_EQ(now.span, absl::Milliseconds(100));
  EXPECT_EQ(now.latency_us.Count(), 19);
  EXPECT_EQ(recent.Current().requests_per_s, 0) << "the stored samples alone cover no time";
  RequestStats before_reset;
  EXPECT_EQ(RecentStats().Current(kT0, live).requests_per_s, 0) << "no sample yet";
}

TEST(RecentStats, AResetStartsAfresh) {
  RecentStats recent;
  RequestStats total;
  for (int i = 0; i < 50; ++i) total.Record(Sample("GET", "/", 1000));
  recent.AddSample(kT0, total);
  recent.AddSample(kT0 + absl::Seconds(1), total);
  RequestStats after_reset;
  after_reset.Record(Sample("GET", "/", 1000));
  recent.AddSample(kT0 + absl::Seconds(2), after_reset);
  EXPECT_EQ(recent.Current().requests_per_s, 0) << "one sample since the reset";
  after_reset.Record(Sample("GET", "/", 1000));
  recent.AddSample(kT0 + absl::Seconds(3), after_reset);
  EXPECT_DOUBLE_EQ(recent.Current().requests_per_s, 1);
}

TEST(RecentEntryRates, EachEntryOverTheLastTenSecondsAndAfreshAfterAReset) {
  RecentEntryRates recent;
  StatsTable table;
  // "/" 20 a second all along; "/cart" 5 a second (one failing) from second 15 on.
  for (int second = 0; second <= 30; ++second) {
    for (int i = 0; i < 20 && second > 0; ++i) table.Record(Sample("GET", "/", 1000));
    for (int i = 0; i < 5 && second > 15; ++i) {
      table.Record(Sample("POST", "/cart", 1000, i == 0 ? "HTTP 500" : ""));
    }
    recent.AddSample(kT0 + absl::Seconds(second), table);
  }
  RecentEntryRates::Rates rates = recent.Current();
  ASSERT_EQ(rates.size(), 2u);
  EXPECT_DOUBLE_EQ((rates[{"GET", "/"}].requests_per_s), 20);
  EXPECT_DOUBLE_EQ((rates[{"GET", "/"}].failures_per_s), 0);
  EXPECT_DOUBLE_EQ((rates[{"POST", "/cart"}].requests_per_s), 5);
  EXPECT_DOUBLE_EQ((rates[{"POST", "/cart"}].failures_per_s), 1);

  StatsTable after_reset;
  after_reset.Record(Sample("GET", "/", 1000));
  recent.AddSample(kT0 + absl::Seconds(31), after_reset);
  EXPECT_TRUE(recent.Current().empty()) << "one sample since the reset covers no time";
  after_reset.Record(Sample("GET", "/", 1000));
  recent.AddSample(kT0 + absl::Seconds(33), after_reset);
  EXPECT_DOUBLE_EQ((recent.Current()[{"GET", "/"}].requests_per_s), 0.5);
}

}  // namespace
}  // namespace loadgen
