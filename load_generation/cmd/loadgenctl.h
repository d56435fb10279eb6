#ifndef LOAD_GENERATION_CMD_LOADGENCTL_H_
#define LOAD_GENERATION_CMD_LOADGENCTL_H_

// loadgenctl, the command-line client of the daemon's control service, as a library: its
// options, its command table and the run of one command.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace loadgen {

// The command line's flags, as given (see loadgenctl_main.cc for their help).
struct CtlOptions {
  std::string address = "127.0.0.1:50051";
  std::string targets;  // the shards: HOST:PORT,... or one name that resolves to each
  std::string token_file;
  std::string tls_ca;
  bool json = false;
  std::string interval = "1s";  // watch
  std::string at;               // start
  std::string run_time = "0s";  // start
  std::string timeout = "0s";   // stop, wait
  bool next_phase = false;      // reload
  std::string rpc_timeout = "5m";
  std::string web_address = "127.0.0.1:8089";  // serve
  std::string out = "sweep";                   // sweep
  bool insecure_control = false;               // serve
};

class Ctl;

// One command: `loadgenctl NAME ARGUMENTS`.
struct CtlCommand {
  const char* name;
  const char* arguments;  // as the usage shows them, e.g. "N [RATIO...]"
  const char* help;
  size_t min_args;
  size_t max_args;
  absl::Status (*run)(Ctl& ctl, const std::vector<std::string>& args);
};

// Every command, in the order the usage lists them.
const std::vector<CtlCommand>& CtlCommands();

// The usage text, with a line per command from the table.
std::string CtlUsage();

// A usage error: exit status 2, with the usage.
absl::Status CtlUsageError(const std::string& message);
bool IsCtlUsageError(const absl::Status& status);

// Runs one command line (`args`: the command and its arguments), printing answers to `out` and
// errors to `err`. Returns the exit status: 0 on success, 1 when a call failed (its status is
// printed), 2 on a usage error (the usage is printed), 3 when `wait` saw the run's thresholds
// fail. "help" prints the usage; exit 0.
int RunCtl(const CtlOptions& options, const std::vector<std::string>& args, std::FILE* out,
           std::FILE* err);

}  // namespace loadgen

#endif  // LOAD_GENERATION_CMD_LOADGENCTL_H_
