#ifndef LOAD_GENERATION_CONTROL_SWARM_H_
#define LOAD_GENERATION_CONTROL_SWARM_H_

// Locust's way to start a test (its /swarm form, its -u -r -t -H flags) as a loadgen run: one
// phase made from a config.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "load_generation/config/config.h"

namespace loadgen {

struct SwarmSettings {
  int user_count = 0;       // all shards together
  double spawn_rate = 0;    // users started a second, all shards together; > 0
  std::string host;         // the target's base URL; empty: the config's
  absl::Duration run_time;  // zero: until stopped
  // The user types, each a name or NAME:RATIO; empty: the config's first phase's.
  std::vector<std::string> user_classes;
};

// Locust's run time spellings: "20" (seconds), "20s", "3m", "2h", "1h20m", "3h30m10s".
// InvalidArgument with Locust's message otherwise.
absl::StatusOr<absl::Duration> ParseLocustTimespan(absl::string_view text);
inline constexpr absl::string_view kLocustTimespanMessage =
    "Valid run_time formats are : 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.";

// `base` with its phases replaced by one, "swarm": `user_count` users started at `spawn_rate`,
// as long as a phase may last (the run time ends it), once (loops 1). Its user types are
// `user_classes` with their ratios (unless given) and waits from the first phase that has them
// (ratio 1 and the first phase's first waits for a type no phase has), or else the first phase's.
// Not validated: the daemon checks it as any config it is given. InvalidArgument if there are no
// user types to run or a setting is out of range.
absl::StatusOr<LoadConfig> SwarmConfig(const LoadConfig& base, const SwarmSettings& settings);

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_SWARM_H_
