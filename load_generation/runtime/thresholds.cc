#include "load_generation/runtime/thresholds.h"

#include <algorithm>
#include <optional>
#include <string>

namespace loadgen {
namespace {

// What a threshold measures: the requests it names in the phases it names, and their time.
struct Measured {
  int64_t requests = 0;
  int64_t failures = 0;
  LatencyHistogram latency_us;  // corrected for requests of open phases
  absl::Duration time;
};

Measured Measure(const LoadConfig& config, const StatsTotals& totals, const ThresholdConfig& t) {
  Measured m;
  for (const auto& [index, table] : totals.by_phase) {
    if (!t.phase().empty() && PhaseName(config, index) != t.phase()) continue;
    const bool open = index < config.phases_size() && IsOpen(config.phases(index));
    for (const auto& [key, stats] : table.Entries()) {
      if (!t.request().empty() && key.name != t.request()) continue;
      m.requests += stats->requests;
      m.failures += stats->failures;
      m.latency_us.Merge(open ? stats->corrected_latency_us : stats->latency_us);
    }
    if (auto time = totals.phase_time.find(index); time != totals.phase_time.end()) {
      m.time += time->second;
    }
  }
  if (t.phase().empty()) m.time = totals.counted;
  return m;
}

std::optional<double> Value(const std::string& metric, const Measured& m) {
  if (metric == "rps") {
    if (m.time <= absl::ZeroDuration()) return std::nullopt;
    return m.requests / absl::ToDoubleSeconds(m.time);
  }
  if (m.requests == 0) return std::nullopt;
  if (metric == "failure_ratio") return static_cast<double>(m.failures) / m.requests;
  if (m.latency_us.Count() == 0) return std::nullopt;
  if (metric == "mean") return m.latency_us.Mean() / 1000;
  if (metric == "max") return m.latency_us.Max() / 1000.0;
  const double quantile = metric == "p50"   ? 0.5
                          : metric == "p90" ? 0.9
                          : metric == "p95" ? 0.95
                          : metric == "p99" ? 0.99
                                            : 0.999;  // "p99.9"; config validation rules out others
  return m.latency_us.ValueAtQuantile(quantile) / 1000.0;
}

}  // namespace

std::vector<ThresholdResult> EvaluateThresholds(const LoadConfig& config,
                                                const StatsTotals& totals) {
  std::vector<ThresholdResult> results;
  for (const ThresholdConfig& threshold : config.thresholds()) {
    ThresholdResult result{.threshold = threshold,
                           .value = Value(threshold.metric(), Measure(config, totals, threshold))};
    result.passed = result.value && (threshold.has_below() ? *result.value < threshold.below()
                                                           : *result.value > threshold.above());
    results.push_back(std::move(result));
  }
  return results;
}

bool AllPassed(const std::vector<ThresholdResult>& results) {
  return std::all_of(results.begin(), results.end(),
                     [](const ThresholdResult& r) { return r.passed; });
}

}  // namespace loadgen
