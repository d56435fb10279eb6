#include "load_generation/stats/stats_proto.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>

namespace loadgen {

namespace control = pl::demos::load_generation;

namespace {

void AddArrivals(const std::string& type, const ArrivalCounts& counts, control::PhaseStats* out) {
  control::ArrivalRow* row = out->add_arrivals();
  row->set_user_type(type);
  row->set_arrivals(counts.arrivals);
  row->set_late_starts(counts.late_starts);
  row->set_dropped(counts.dropped);
}

}  // namespace

void FillBuckets(const LatencyHistogram& latency, control::LatencyBuckets* out) {
  int64_t before = 0;
  latency.ForEachBucket([&](int64_t low, int64_t /*high*/, int64_t cumulative) {
    out->add_values_us(low);
    out->add_counts(cumulative - before);
    before = cumulative;
  });
  out->set_min_us(latency.Min());
  out->set_max_us(latency.Max());
  out->set_sum_us(latency.Sum());
}

LatencyHistogram FromBuckets(const control::LatencyBuckets& b) {
  std::vector<std::pair<int64_t, int64_t>> buckets;
  for (int i = 0; i < std::min(b.values_us_size(), b.counts_size()); ++i) {
    buckets.emplace_back(b.values_us(i), b.counts(i));
  }
  return LatencyHistogram::FromBuckets(buckets, b.min_us(), b.max_us(), b.sum_us());
}

void FillRow(const RequestStats& stats, absl::Duration span, bool histogram,
             control::RequestStatsRow* row) {
  row->set_requests(stats.requests);
  row->set_failures(stats.failures);
  const double seconds = absl::ToDoubleSeconds(span);
  if (seconds > 0) {
    row->set_requests_per_s(stats.requests / seconds);
    row->set_failures_per_s(stats.failures / seconds);
  }
  const LatencyHistogram& latency = stats.latency_us;
  row->set_average_ms(latency.Mean() / 1000.0);
  row->set_min_ms(UsToMs(latency.Min()));
  row->set_max_ms(UsToMs(latency.Max()));
  row->set_p50_ms(UsToMs(latency.ValueAtQuantile(0.5)));
  row->set_p90_ms(UsToMs(latency.ValueAtQuantile(0.9)));
  row->set_p95_ms(UsToMs(latency.ValueAtQuantile(0.95)));
  row->set_p99_ms(UsToMs(latency.ValueAtQuantile(0.99)));
  row->set_p999_ms(UsToMs(latency.ValueAtQuantile(0.999)));
  row->set_average_content_bytes(stats.AverageContentBytes());
  row->set_content_bytes(stats.content_bytes);
  if (histogram) FillBuckets(latency, row->mutable_latency());
  if (const LatencyHistogram& corrected = stats.corrected_latency_us; corrected.Count() > 0) {
    row->set_corrected_p50_ms(UsToMs(corrected.ValueAtQuantile(0.5)));
    row->set_corrected_p95_ms(UsToMs(corrected.ValueAtQuantile(0.95)));
    row->set_corrected_p99_ms(UsToMs(corrected.ValueAtQuantile(0.99)));
    row->set_corrected_max_ms(UsToMs(corrected.Max()));
    if (histogram) FillBuckets(corrected, row->mutable_corrected_latency());
  }
}

void FillTable(const StatsTable& table, absl::Duration span, bool histograms,
               control::PhaseStats* out) {
  for (const auto& [key, stats] : table.Entries()) {
    control::RequestStatsRow* row = out->add_requests();
    row->set_method(key.method);
    row->set_name(key.name);
    FillRow(*stats, span, histograms, row);
  }
  out->mutable_aggregated()->set_name("Aggregated");
  FillRow(table.Total(), span, histograms, out->mutable_aggregated());
  for (const auto& [key, failure] : table.Failures()) {
    control::FailureRow* row = out->add_failures();
    row->set_method(key.method);
    row->set_name(key.name);
    row->set_error(key.error);
    row->set_occurrences(failure->occurrences);
    row->set_first_seen_unix_ms(absl::ToUnixMillis(failure->first_seen));
    row->set_last_seen_unix_ms(absl::ToUnixMillis(failure->last_seen));
  }
  for (const auto& [type, counts] : table.Arrivals()) AddArrivals(type, counts, out);
  out->set_duration_s(absl::ToDoubleSeconds(span));
}

void SetCurrent(const RecentEntryRates::Rate& rate, control::RequestStatsRow* row) {
  row->set_current_requests_per_s(rate.requests_per_s);
  row->set_current_failures_per_s(rate.failures_per_s);
}

void SetCurrentRates(const RecentEntryRates::Rates& rates, control::PhaseStats* table) {
  RecentEntryRates::Rate total;
  for (control::RequestStatsRow& row : *table->mutable_requests()) {
    const auto it = rates.find({row.method(), row.name()});
    if (it == rates.end()) continue;
    SetCurrent(it->second, &row);
    total.requests_per_s += it->second.requests_per_s;
    total.failures_per_s += it->second.failures_per_s;
  }
  SetCurrent(total, table->mutable_aggregated());
}

StatsTable TableOf(const control::PhaseStats& stats) {
  StatsTable table;
  for (const control::RequestStatsRow& row : stats.requests()) {
    table.MergeEntry({row.method(), row.name(), ""}, RowStats(row));
  }
  for (const control::FailureRow& f : stats.failures()) {
    table.MergeFailure({f.method(), f.name(), f.error()},
                       {.occurrences = f.occurrences(),
                        .first_seen = absl::FromUnixMillis(f.first_seen_unix_ms()),
                        .last_seen = absl::FromUnixMillis(f.last_seen_unix_ms())});
  }
  return table;
}

RequestStats RowStats(const control::RequestStatsRow& row) {
  RequestStats stats;
  stats.requests = row.requests();
  stats.failures = row.failures();
  stats.content_bytes = row.content_bytes();
  stats.latency_us = FromBuckets(row.latency());
  stats.corrected_latency_us = FromBuckets(row.corrected_latency());
  return stats;
}

control::PhaseStats MergePhaseStats(const std::vector<const control::PhaseStats*>& shards) {
  control::PhaseStats merged;
  if (shards.empty()) return merged;
  std::map<std::pair<std::string, std::string>, RequestStats> rows;  // by (name, method)
  std::map<std::pair<std::string, std::string>, RecentEntryRates::Rate> current;  // likewise
  std::map<std::tuple<std::string, std::string, std::string>, FailureStats> failures;
  std::map<std::string, ArrivalCounts> arrivals;
  RequestStats aggregated;
  double duration_s = 0;
  for (const control::PhaseStats* shard : shards) {
    for (const control::RequestStatsRow& row : shard->requests()) {
      rows[{row.name(), row.method()}].Merge(RowStats(row));
      RecentEntryRates::Rate& rate = current[{row.name(), row.method()}];
      rate.requests_per_s += row.current_requests_per_s();
      rate.failures_per_s += row.current_failures_per_s();
    }
    aggregated.Merge(RowStats(shard->aggregated()));
    RecentEntryRates::Rate& rate = current[{"Aggregated", ""}];
    rate.requests_per_s += shard->aggregated().current_requests_per_s();
    rate.failures_per_s += shard->aggregated().current_failures_per_s();
    for (const control::FailureRow& f : shard->failures()) {
      FailureStats& failure = failures[{f.method(), f.name(), f.error()}];
      failure.occurrences += f.occurrences();
      failure.first_seen =
          std::min(failure.first_seen, absl::FromUnixMillis(f.first_seen_unix_ms()));
      failure.last_seen = std::max(failure.last_seen, absl::FromUnixMillis(f.last_seen_unix_ms()));
    }
    for (const control::ArrivalRow& a : shard->arrivals()) {
      arrivals[a.user_type()].Merge(
          {.arrivals = a.arrivals(), .late_starts = a.late_starts(), .dropped = a.dropped()});
    }
    duration_s = std::max(duration_s, shard->duration_s());
  }
  merged = *shards.front();
  merged.clear_requests();
  merged.clear_failures();
  merged.clear_arrivals();
  const absl::Duration span = absl::Seconds(duration_s);
  for (const auto& [key, stats] : rows) {
    control::RequestStatsRow* row = merged.add_requests();
    row->set_method(key.second);
    row->set_name(key.first);
    FillRow(stats, span, /*histogram=*/true, row);
    SetCurrent(current[key], row);
  }
  merged.mutable_aggregated()->Clear();
  merged.mutable_aggregated()->set_name("Aggregated");
  FillRow(aggregated, span, /*histogram=*/true, merged.mutable_aggregated());
  SetCurrent(current[{"Aggregated", ""}], merged.mutable_aggregated());
  for (const auto& [key, failure] : failures) {
    control::FailureRow* row = merged.add_failures();
    row->set_method(std::get<0>(key));
    row->set_name(std::get<1>(key));
    row->set_error(std::get<2>(key));
    row->set_occurrences(failure.occurrences);
    row->set_first_seen_unix_ms(absl::ToUnixMillis(failure.first_seen));
    row->set_last_seen_unix_ms(absl::ToUnixMillis(failure.last_seen));
  }
  for (const auto& [type, counts] : arrivals) AddArrivals(type, counts, &merged);
  merged.set_duration_s(duration_s);
  return merged;
}

}  // namespace loadgen
