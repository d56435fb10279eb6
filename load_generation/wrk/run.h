#ifndef LOAD_GENERATION_WRK_RUN_H_
#define LOAD_GENERATION_WRK_RUN_H_

#include <atomic>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "load_generation/wrk/command_line.h"

namespace loadgen {

// A request as a wrk script wrote it: its method and what its statistics are kept under.
struct WireRequest {
  std::string method;
  std::string name;  // the request target's path, without query or scheme and host
};
// Checks that `wire` is exactly one whole HTTP/1.1 request; InvalidArgument says what is wrong
// and where, with the line's text ("bad field at 3:1, in ': x'").
absl::StatusOr<WireRequest> ParseWireRequest(absl::string_view wire);

// Runs wrk2's command on loadgen's engine: an open phase of `rate` arrivals per second
// (`distribution`'s gaps) for `duration_s`, played by up to `connections` users (each one
// connection) on `threads` event loops, each loop with its own Lua state running the script.
// Prints wrk2's output to `out` and what went wrong to `err`; returns the exit status: 0, 1
// when the script does not load or the target cannot be reached, or kWrkExitResultsLost when a
// --csv file could not be written (after the report). `interrupted`, when set (by
// SIGINT), ends the run early; the report is printed all the same. A call into the script that
// has not returned --timeout (at least a second) after the run's end ends the process: its
// name and thread go to `err`, and it exits 1 without a report.
inline constexpr int kWrkExitResultsLost = 4;  // as loadgen's

int RunWrk(const WrkOptions& options, std::ostream& out, std::ostream& err,
           const std::atomic<bool>* interrupted = nullptr);

}  // namespace loadgen

#endif  // LOAD_GENERATION_WRK_RUN_H_
