#include "load_generation/stats/stats.h"

#include <algorithm>
#include <utility>

namespace loadgen {

void RequestStats::Record(const RequestSample& sample) {
  ++requests;
  if (!sample.error.empty()) ++failures;
  content_bytes += sample.content_bytes;
  latency_us.Record(sample.latency_us);
  if (sample.corrected_latency_us >= 0) corrected_latency_us.Record(sample.corrected_latency_us);
  first = std::min(first, sample.time);
  last = std::max(last, sample.time);
}

void RequestStats::Merge(const RequestStats& other) {
  requests += other.requests;
  failures += other.failures;
  content_bytes += other.content_bytes;
  cancelled_at_stop += other.cancelled_at_stop;
  arrivals.Merge(other.arrivals);
  latency_us.Merge(other.latency_us);
  corrected_latency_us.Merge(other.corrected_latency_us);
  schedule_lag_us.Merge(other.schedule_lag_us);
  first = std::min(first, other.first);
  last = std::max(last, other.last);
}

void ArrivalCounts::Merge(const ArrivalCounts& other) {
  arrivals += other.arrivals;
  late_starts += other.late_starts;
  dropped += other.dropped;
}

double RequestStats::AverageContentBytes() const {
  return requests ? static_cast<double>(content_bytes) / requests : 0.0;
}

void StatsTable::Record(const RequestSample& sample) {
  if (sample.cancelled) {
    ++cancelled_at_stop_;
    return;
  }
  RequestStats* stats = last_entry_.Find(sample.method, sample.name);
  if (stats == nullptr) {
    auto it = entries_.find(StatsKeyView{sample.method, sample.name, {}});
    if (it == entries_.end()) {
      it = entries_
               .emplace(StatsKey{std::string(sample.method), std::string(sample.name), {}},
                        RequestStats{})
               .first;
    }
    last_entry_.Set(*it);
    stats = &it->second;
  }
  stats->Record(sample);
  if (sample.error.empty()) return;
  StatsKeyView failure_key{sample.method, sample.name, sample.error};
  auto f = failures_.find(failure_key);
  if (f == failures_.end()) {
    f = failures_
            .emplace(StatsKey{std::string(sample.method), std::string(sample.name),
                              std::string(sample.error)},
                     FailureStats{})
            .first;
  }
  ++f->second.occurrences;
  f->second.first_seen = std::min(f->second.first_seen, sample.time);
  f->second.last_seen = std::max(f->second.last_seen, sample.time);
}

void StatsTable::RecordArrival(absl::string_view user_type, ArrivalEvent event, int64_t count) {
  auto it = arrivals_.find(user_type);
  if (it == arrivals_.end()) it = arrivals_.emplace(std::string(user_type), ArrivalCounts{}).first;
  switch (event) {
    case ArrivalEvent::kArrived:
      it->second.arrivals += count;
      break;
    case ArrivalEvent::kStartedLate:
      it->second.late_starts += count;
      break;
    case ArrivalEvent::kDropped:
      it->second.dropped += count;
      break;
  }
}

void StatsTable::RecordScheduleLag(absl::Duration lag) {
  schedule_lag_us_.Record(absl::ToInt64Microseconds(lag));
}

void StatsTable::Merge(const StatsTable& other) {
  cancelled_at_stop_ += other.cancelled_at_stop_;
  for (const auto& [type, counts] : other.arrivals_) arrivals_[type].Merge(counts);
  schedule_lag_us_.Merge(other.schedule_lag_us_);
  for (const auto& [key, stats] : other.entries_) MergeEntry(key, stats);
  for (const auto& [key, failure] : other.failures_) MergeFailure(key, failure);
}

void StatsTable::MergeEntry(const StatsKey& key, const RequestStats& stats) {
  last_entry_.Forget();  // the insert may move the entries
  entries_[key].Merge(stats);
}

void StatsTable::MergeFailure(const StatsKey& key, const FailureStats& failure) {
  FailureStats& mine = failures_[key];
  mine.occurrences += failure.occurrences;
  mine.first_seen = std::min(mine.first_seen, failure.first_seen);
  mine.last_seen = std::max(mine.last_seen, failure.last_seen);
}

RequestStats StatsTable::Total() const {
  RequestStats total;
  for (const auto& [key, stats] : entries_) total.Merge(stats);
  total.cancelled_at_stop = cancelled_at_stop_;
  for (const auto& [type, counts] : arrivals_) total.arrivals.Merge(counts);
  total.schedule_lag_us = schedule_lag_us_;
  return total;
}

namespace {
template <typename Map>
auto Sorted(const Map& map) {
  std::vector<std::pair<StatsKey, const typename Map::mapped_type*>> out;
  for (const auto& [key, value] : map) out.emplace_back(key, &value);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.name, a.first.method, a.first.error) <
           std::tie(b.first.name, b.first.method, b.first.error);
  });
  return out;
}
}  // namespace

std::vector<std::pair<StatsKey, const RequestStats*>> StatsTable::Entries() const& {
  return Sorted(entries_);
}

std::vector<std::pair<StatsKey, const FailureStats*>> StatsTable::Failures() const& {
  return Sorted(failures_);
}

void StatsShard::Record(const RequestSample& sample) {
  std::lock_guard<std::mutex> lock(mu_);
  ++records_;
  table_.Record(sample);
}

void StatsShard::RecordArrival(absl::string_view user_type, ArrivalEvent event, int64_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  ++records_;
  table_.RecordArrival(user_type, event, count);
}

void StatsShard::RecordScheduleLag(absl::Duration lag) {
  std::lock_guard<std::mutex> lock(mu_);
  ++records_;
  table_.RecordScheduleLag(lag);
}

StatsTable StatsShard::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return table_;
}

StatsTable StatsShard::TakeAndReset() {
  StatsTable fresh;
  std::lock_guard<std::mutex> lock(mu_);
  std::swap(fresh, table_);
  return fresh;
}

void RecentStats::AddSample(absl::Time now, const RequestStats& total) {
  if (!samples_.empty() && total.requests < samples_.back().second.requests) samples_.clear();
  samples_.emplace_back(now, total);
  // Keep the newest sample at least a window old, so the window is always covered.
  while (samples_.size() > 2 && samples_[1].first <= now - window_) samples_.pop_front();
}

RecentStats::Figures RecentStats::Current() const {
  if (samples_.empty()) return {};
  return Current(samples_.back().first, samples_.back().second);
}

RecentStats::Figures RecentStats::Current(absl::Time newest_time,
                                          const RequestStats& newest) const {
  Figures figures;
  if (samples_.empty()) return figures;
  const auto& [oldest_time, oldest] = samples_.front();
  if (newest.requests < oldest.requests) return figures;  // reset since the last sample
  figures.span = newest_time - oldest_time;
  const double seconds = absl::ToDoubleSeconds(figures.span);
  if (seconds <= 0) return figures;
  figures.requests_per_s = (newest.requests - oldest.requests) / seconds;
  figures.failures_per_s = (newest.failures - oldest.failures) / seconds;
  figures.latency_us = newest.latency_us;
  figures.latency_us.Subtract(oldest.latency_us);
  figures.corrected_latency_us = newest.corrected_latency_us;
  figures.corrected_latency_us.Subtract(oldest.corrected_latency_us);
  figures.schedule_lag_us = newest.schedule_lag_us;
  figures.schedule_lag_us.Subtract(oldest.schedule_lag_us);
  return figures;
}

void RecentEntryRates::AddSample(absl::Time now, const StatsTable& table) {
  Sample sample;
  int64_t requests = 0;
  for (const auto& [key, stats] : table.Entries()) {
    sample[{key.method, key.name}] = {stats->requests, stats->failures};
    requests += stats->requests;
  }
  if (requests < newest_requests_) samples_.clear();
  newest_requests_ = requests;
  samples_.emplace_back(now, std::move(sample));
  while (samples_.size() > 2 && samples_[1].first <= now - window_) samples_.pop_front();
}

RecentEntryRates::Rates RecentEntryRates::Current() const {
  Rates rates;
  if (samples_.size() < 2) return rates;
  const auto& [oldest_time, oldest] = samples_.front();
  const auto& [newest_time, newest] = samples_.back();
  const double seconds = absl::ToDoubleSeconds(newest_time - oldest_time);
  for (const auto& [key, counts] : newest) {
    Counts before;
    if (auto it = oldest.find(key); it != oldest.end()) before = it->second;
    rates[key] = {(counts.requests - before.requests) / seconds,
                  (counts.failures - before.failures) / seconds};
  }
  return rates;
}

Stats::Stats(int shards) {
  for (int i = 0; i < std::max(shards, 1); ++i) shards_.push_back(std::make_unique<StatsShard>());
}

StatsTable Stats::MergeShards() const {
  StatsTable merged;
  for (const auto& shard : shards_) merged.Merge(shard->Snapshot());
  return merged;
}

void Stats::CloseCurrent(absl::Time now) {
  StatsTable recorded;
  for (const auto& shard : shards_) recorded.Merge(shard->TakeAndReset());
  // Requests that complete between phases (e.g. while users stop) count in the total only.
  closed_total_.Merge(recorded);
  if (last_phase_) closed_by_phase_[*last_phase_].Merge(recorded);
  if (!open_) return;
  closed_phase_time_[current_.occurrence.phase] += now - current_.occurrence.start;
  current_.stats = std::move(recorded);
  current_.end = now;
  completed_.push_back(std::move(current_));
  if (completed_.size() > kKeptPhases) completed_.pop_front();
  ++completed_version_;
  current_ = PhaseResult();
  open_ = false;
}

void Stats::BeginPhase(const PhaseOccurrence& occurrence, std::string name, int target_users,
                       absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  CloseCurrent(now);
  open_ = true;
  last_phase_ = occurrence.phase;
  current_.occurrence = occurrence;
  current_.occurrence.start = now;
  current_.name = std::move(name);
  current_.target_users = target_users;
}

void Stats::EndPhase(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  CloseCurrent(now);
}

void Stats::Reset(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& shard : shards_) shard->TakeAndReset();
  completed_.clear();
  ++completed_version_;
  closed_total_ = StatsTable();
  closed_by_phase_.clear();
  closed_phase_time_.clear();
  if (open_) current_.occurrence.start = now;
}

PhaseResult Stats::Current(absl::Time now) const {
  std::lock_guard<std::mutex> lock(mu_);
  PhaseResult result = current_;
  result.stats = MergeShards();
  result.end = now;
  return result;
}

std::vector<PhaseResult> Stats::Completed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {completed_.begin(), completed_.end()};
}

uint64_t Stats::completed_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return completed_version_;
}

StatsTable Stats::Total() const {
  std::lock_guard<std::mutex> lock(mu_);
  StatsTable total = closed_total_;
  total.Merge(MergeShards());
  return total;
}

std::map<int, StatsTable> Stats::PhaseTotals() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<int, StatsTable> totals = closed_by_phase_;
  if (last_phase_) totals[*last_phase_].Merge(MergeShards());
  return totals;
}

std::map<int, absl::Duration> Stats::PhaseTimes(absl::Time now) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<int, absl::Duration> times = closed_phase_time_;
  if (open_) times[current_.occurrence.phase] += now - current_.occurrence.start;
  return times;
}

}  // namespace loadgen
