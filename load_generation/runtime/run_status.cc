#include "load_generation/runtime/run_status.h"

namespace loadgen {

const char* RunStateName(RunState state) {
  switch (state) {
    case RunState::kIdle:
      return "idle";
    case RunState::kScheduled:
      return "scheduled";
    case RunState::kRunning:
      return "running";
    case RunState::kPaused:
      return "paused";
    case RunState::kStopping:
      return "stopping";
  }
  return "unknown";
}

}  // namespace loadgen
