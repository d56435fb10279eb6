#include "load_generation/control/status_proto.h"

#include "gtest/gtest.h"
#include "load_generation/report/report.h"

namespace loadgen {
namespace {

DaemonStatus Running() {
  DaemonStatus s;
  s.position = {.state = RunState::kRunning, .run_number = 2};
  s.run_elapsed = absl::Seconds(12);
  s.run.occurrence = PhaseOccurrence{.number = 1, .loop = 0, .phase = 1};
  s.run.phase_name = "weekend";
  s.run.users = {{.name = "Normal", .target = 67, .active = 67},
                 {.name = "Weekend", .target = 133, .active = 120}};
  s.recent.requests_per_s = 153.2;
  s.recent.failures_per_s = 0.2;
  for (int i = 1; i <= 100; ++i) s.recent.latency_us.Record(int64_t{i} * 1000);
  s.phase_total.requests = 2500;
  s.phase_total.failures = 3;
  PhaseRow row{.loop = "0",
               .phase = "0",
               .name = "normal",
               .users = 100,
               .duration = absl::Seconds(30),
               .requests = 3563,
               .failures = 32,
               .requests_per_s = 118.8,
               .median_ms = 5.9,
               .p95_ms = 12.7,
               .p99_ms = 18.6,
               .max_ms = 45.2,
               .failure_percent = 0.9};
  s.completed.push_back({.occurrence = {.number = 0}, .row = row});
  return s;
}

TEST(StatusProto, AClientPrintsTheSameStatusLineAsTheDaemon) {
  const DaemonStatus status = Running();
  EXPECT_EQ(FormatStatusLine(StatusLineOf(ToProto(status))),
            FormatStatusLine(StatusLineOf(status)));
}

TEST(StatusProto, AndTheSamePhaseTable) {
  const DaemonStatus status = Running();
  EXPECT_EQ(FormatPhaseTable(CompletedPhaseRows(ToProto(status))),
            FormatPhaseTable({status.completed[0].row}));
}

TEST(StatusProto, AnIdleDaemonHasNoPhaseAndNoLatency) {
  DaemonStatus status;
  const StatusLine line = StatusLineOf(ToProto(status));
  EXPECT_EQ(line.state, "idle");
  EXPECT_FALSE(line.occurrence.has_value());
  EXPECT_FALSE(line.p50_ms.has_value());
}

}  // namespace
}  // namespace loadgen
