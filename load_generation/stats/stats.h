#ifndef LOAD_GENERATION_STATS_STATS_H_
#define LOAD_GENERATION_STATS_STATS_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "load_generation/plan/plan.h"
#include "load_generation/stats/histogram.h"

namespace loadgen {

// What happened to one request, as recorded.
struct RequestSample {
  absl::string_view method;  // "GET", "POST", ...
  absl::string_view name;    // the group name, e.g. "/product/[id]"
  int64_t latency_us = 0;
  int64_t content_bytes = 0;
  absl::string_view error;  // empty for a success; else why it failed, e.g. "HTTP 503"
  absl::Time time;          // when it completed
  // In flight when the stop timeout ran out, and abandoned: counted apart, not as a request.
  bool cancelled = false;
  // In an open phase, the latency from the intended time of the arrival whose task sent it: the
  // response time plus how late the task began. -1 in a closed phase.
  int64_t corrected_latency_us = -1;
};

// What happened to an arrival of an open phase, as counted.
enum class ArrivalEvent {
  kArrived,      // it came, on schedule
  kStartedLate,  // it found no idle user, waited for one and began after its time
  kDropped,      // it waited past max_start_delay_ms (or its phase ended) and never started
};

// The arrivals of one user type.
struct ArrivalCounts {
  int64_t arrivals = 0;
  int64_t late_starts = 0;
  int64_t dropped = 0;

  void Merge(const ArrivalCounts& other);
};

// Figures of one (method, name), or of all together.
struct RequestStats {
  int64_t requests = 0;
  int64_t failures = 0;
  int64_t content_bytes = 0;
  LatencyHistogram latency_us;  // every request's, failed ones included, as Locust does
  absl::Time first = absl::InfiniteFuture();
  absl::Time last = absl::InfinitePast();
  // Requests of open phases, from their arrivals' intended times (see RequestSample).
  LatencyHistogram corrected_latency_us;

  // Figures of a whole table that its Total() gives, not its entries:
  // requests abandoned in flight at the stop timeout,
  int64_t cancelled_at_stop = 0;
  // the arrivals of open phases, all user types together,
  ArrivalCounts arrivals;
  // and how late tasks began against their schedule (after a pause, or at an arrival): the
  // generator's own lag, which should stay near 0 whatever the target does.
  LatencyHistogram schedule_lag_us;

  void Record(const RequestSample& sample);
  void Merge(const RequestStats& other);
  double AverageContentBytes() const;
};

// Failures grouped by (method, name, error).
struct FailureStats {
  int64_t occurrences = 0;
  absl::Time first_seen = absl::InfiniteFuture();
  absl::Time last_seen = absl::InfinitePast();
};

// A key of up to three strings, looked up without building strings.
struct StatsKey {
  std::string method, name, error;
  template <typename H>
  friend H AbslHashValue(H h, const StatsKey& k) {
    return H::combine(std::move(h), absl::string_view(k.method), absl::string_view(k.name),
                      absl::string_view(k.error));
  }
};
struct StatsKeyView {
  absl::string_view method, name, error;
  template <typename H>
  friend H AbslHashValue(H h, const StatsKeyView& k) {
    return H::combine(std::move(h), k.method, k.name, k.error);
  }
};
struct StatsKeyHash {
  using is_transparent = void;
  size_t operator()(const StatsKey& k) const { return absl::HashOf(k); }
  size_t operator()(const StatsKeyView& k) const { return absl::HashOf(k); }
};
struct StatsKeyEq {
  using is_transparent = void;
  static StatsKeyView View(const StatsKey& k) { return {k.method, k.name, k.error}; }
  static StatsKeyView View(const StatsKeyView& k) { return k; }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    StatsKeyView x = View(a), y = View(b);
    return x.method == y.method && x.name == y.name && x.error == y.error;
  }
};

// Everything recorded over one span of time: per (method, name) and per failure kind.
class StatsTable {
 public:
  void Record(const RequestSample& sample);
  void RecordArrival(absl::string_view user_type, ArrivalEvent event, int64_t count = 1);
  void RecordScheduleLag(absl::Duration lag);
  void Merge(const StatsTable& other);
  // Adds figures kept elsewhere (e.g. a shard's, sent over the wire) to one entry or failure.
  void MergeEntry(const StatsKey& key, const RequestStats& stats);
  void MergeFailure(const StatsKey& key, const FailureStats& failure);

  // All entries merged: the "Aggregated" row.
  RequestStats Total() const;
  // Entries sorted by (name, method), as Locust orders its CSV. They point into the table, so
  // calling these on a temporary does not compile.
  std::vector<std::pair<StatsKey, const RequestStats*>> Entries() const&;
  std::vector<std::pair<StatsKey, const FailureStats*>> Failures() const&;
  void Entries() const&& = delete;
  void Failures() const&& = delete;
  // The arrivals of open phases per user type, by name.
  const std::map<std::string, ArrivalCounts, std::less<>>& Arrivals() const { return arrivals_; }
  bool empty() const { return entries_.empty() && cancelled_at_stop_ == 0 && arrivals_.empty(); }

 private:
  int64_t cancelled_at_stop_ = 0;
  std::map<std::string, ArrivalCounts, std::less<>> arrivals_;
  LatencyHistogram schedule_lag_us_;
  absl::flat_hash_map<StatsKey, RequestStats, StatsKeyHash, StatsKeyEq> entries_;
  absl::flat_hash_map<StatsKey, FailureStats, StatsKeyHash, StatsKeyEq> failures_;
  // The entry Record found last: the same (method, name) again is compared, not hashed. It
  // points into entries_, so it is forgotten when entries_ may move its elements (an insert of
  // another key) and in a copy.
  class LastEntry {
   public:
    LastEntry() = default;
    LastEntry(const LastEntry&) {}
    LastEntry& operator=(const LastEntry&) {
      Forget();
      return *this;
    }
    RequestStats* Find(absl::string_view method, absl::string_view name) const {
      return entry_ != nullptr && entry_->first.name == name && entry_->first.method == method
                 ? &entry_->second
                 : nullptr;
    }
    void Set(std::pair<const StatsKey, RequestStats>& entry) { entry_ = &entry; }
    void Forget() { entry_ = nullptr; }

   private:
    std::pair<const StatsKey, RequestStats>* entry_ = nullptr;
  } last_entry_;
};

// One event loop's recording. Only that loop records; readers take snapshots. The mutex is
// shared by that loop and readers, never by two loops.
class StatsShard {
 public:
  void Record(const RequestSample& sample);
  void RecordArrival(absl::string_view user_type, ArrivalEvent event, int64_t count = 1);
  void RecordScheduleLag(absl::Duration lag);
  // A copy of what was recorded since the last TakeAndReset.
  StatsTable Snapshot() const;
  // Returns what was recorded and starts afresh.
  StatsTable TakeAndReset();
  // How many times the loop recorded anything: its progress, for the loop itself (not kept for
  // readers on other threads).
  uint64_t records() const { return records_; }

 private:
  // std::mutex, not absl::Mutex: Debian's Abseil is not built for TSan, which would not see it.
  mutable std::mutex mu_;
  StatsTable table_;      // guarded by mu_
  uint64_t records_ = 0;  // the recording loop's own
};

// Results of one completed phase occurrence.
struct PhaseResult {
  PhaseOccurrence occurrence;
  std::string name;
  int target_users = 0;  // num_users, or max_users in an open phase (this shard's share)
  absl::Time end;        // when it actually ended (a run can stop early)
  StatsTable stats;
};

// A generator whose tasks begin later than this against their schedule (p99 over the recent
// window) is saturated: its figures show its own limit, not the target's.
inline constexpr absl::Duration kSaturatedScheduleLag = absl::Milliseconds(10);

// Figures of the last `window` of a run (10 s, as Locust's "current" ones): kept as snapshots
// of the running total, about one a second, and the difference between the newest and the one
// a window older. Not thread-safe: one reader samples and reads.
class RecentStats {
 public:
  explicit RecentStats(absl::Duration window = absl::Seconds(10)) : window_(window) {}

  // Adds a snapshot of the running total taken at `now`. A total lower than the last one (the
  // stats were reset) starts the window afresh.
  void AddSample(absl::Time now, const RequestStats& total);

  struct Figures {
    double requests_per_s = 0;
    double failures_per_s = 0;
    LatencyHistogram latency_us;            // of the requests completed in the window
    LatencyHistogram corrected_latency_us;  // of those sent in open phases
    LatencyHistogram schedule_lag_us;       // of the tasks begun in the window

    double schedule_lag_p99_ms() const { return UsToMs(schedule_lag_us.ValueAtQuantile(0.99)); }
    // Whether the schedule lag's p99 is over kSaturatedScheduleLag.
    bool generator_saturated() const {
      return absl::Microseconds(schedule_lag_us.ValueAtQuantile(0.99)) > kSaturatedScheduleLag;
    }
    absl::Duration span;  // the time the figures cover: up to the window
  };
  // From the oldest sample kept to the newest.
  Figures Current() const;
  // From the oldest sample kept to `total`, the running total at `now` (later than every
  // sample): figures as of now, also right after a reset, when one sample is all there is.
  Figures Current(absl::Time now, const RequestStats& total) const;

 private:
  absl::Duration window_;
  std::deque<std::pair<absl::Time, RequestStats>> samples_;  // oldest first
};

// Each (method, name)'s request and failure rates over the last `window` (Locust's per-entry
// current_rps), from snapshots of the running table taken about once a second. Not
// thread-safe: one reader samples and reads.
class RecentEntryRates {
 public:
  explicit RecentEntryRates(absl::Duration window = absl::Seconds(10)) : window_(window) {}

  // Adds a snapshot of the running table taken at `now`. A table with fewer requests than the
  // last one (the stats were reset) starts the window afresh.
  void AddSample(absl::Time now, const StatsTable& table);

  struct Rate {
    double requests_per_s = 0;
    double failures_per_s = 0;
  };
  using Rates = std::map<std::pair<std::string, std::string>, Rate>;  // by (method, name)
  // From the oldest sample kept to the newest; empty with fewer than two samples.
  Rates Current() const;

 private:
  struct Counts {
    int64_t requests = 0;
    int64_t failures = 0;
  };
  using Sample = std::map<std::pair<std::string, std::string>, Counts>;
  absl::Duration window_;
  std::deque<std::pair<absl::Time, Sample>> samples_;  // oldest first
  int64_t newest_requests_ = 0;
};

// All of a run's statistics: the shards, the phase occurrences completed so far and the total.
// Called from one control thread (BeginPhase/EndPhase/Reset) and any readers.
class Stats {
 public:
  explicit Stats(int shards);

  StatsShard& shard(int i) { return *shards_[i]; }
  int shard_count() const { return static_cast<int>(shards_.size()); }

  // Closes the occurrence under way, if any (at `now`), and opens `occurrence`.
  void BeginPhase(const PhaseOccurrence& occurrence, std::string name, int target_users,
                  absl::Time now);
  // Closes the occurrence under way at `now`; nothing is open afterwards.
  void EndPhase(absl::Time now);
  // Forgets everything recorded; the occurrence under way restarts counting at `now`.
  void Reset(absl::Time now);

  // The occurrence under way (merged over shards) and its start; stats empty when none.
  PhaseResult Current(absl::Time now) const;
  // Every completed occurrence still kept (at most kKeptPhases, oldest dropped first).
  std::vector<PhaseResult> Completed() const;
  // Changes whenever Completed() does: readers that summarise it can keep their summary until
  // then (a completed phase's tables are large; copying them all for each status is not cheap).
  uint64_t completed_version() const;
  // Everything since the start or the last Reset.
  StatsTable Total() const;
  // Everything since the start or the last Reset, per phase index: every occurrence of that
  // phase (all loops), the one under way included, and requests that completed between phases
  // (as users stop) under the phase they were sent in. Adds up to Total(), and only grows until
  // a Reset, unlike Completed(), which drops old occurrences.
  std::map<int, StatsTable> PhaseTotals() const;
  // How long each phase index has run since the start or the last Reset: every occurrence, the
  // one under way until `now`.
  std::map<int, absl::Duration> PhaseTimes(absl::Time now) const;

  static constexpr size_t kKeptPhases = 500;

 private:
  StatsTable MergeShards() const;     // what the shards hold now
  void CloseCurrent(absl::Time now);  // mu_ held

  std::vector<std::unique_ptr<StatsShard>> shards_;
  mutable std::mutex mu_;
  bool open_ = false;                  // guarded by mu_
  PhaseResult current_;                // guarded by mu_; its stats stay empty: the shards hold them
  std::deque<PhaseResult> completed_;  // guarded by mu_
  uint64_t completed_version_ = 0;     // guarded by mu_
  StatsTable closed_total_;            // guarded by mu_
  std::map<int, StatsTable> closed_by_phase_;        // guarded by mu_
  std::map<int, absl::Duration> closed_phase_time_;  // guarded by mu_
  std::optional<int> last_phase_;                    // guarded by mu_; the latest occurrence's
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_STATS_STATS_H_
