// wrk2: wrk2's command line, Lua scripts and output, played by loadgen's engine.
//   wrk2 -t2 -c10 -d30s -R2000 -L -s mix.lua http://frontend:5000 [-- script args]

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "load_generation/wrk/command_line.h"
#include "load_generation/wrk/run.h"
#include "luajit.h"

namespace {

std::atomic<bool> interrupted{false};

// The first signal ends the run, which prints its report; a second one ends the process at once
// (a script's setup() or init() that does not return, say).
void OnInterrupt(int) {
  if (interrupted.exchange(true)) std::_Exit(130);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  const std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<loadgen::WrkOptions> options = loadgen::ParseWrkCommandLine(args);
  for (const std::string& arg : args) {
    if (arg == "--") break;
    if (arg == "-v" || arg == "--version") {
      std::cout << "wrk 4.0.0 [loadgen wrk2 front end, epoll, " << LUAJIT_VERSION << "]\n";
      break;
    }
  }
  if (!options.ok()) {
    if (!options.status().message().empty()) std::cerr << options.status().message() << "\n";
    std::cout << loadgen::WrkUsage();
    return 1;
  }
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return loadgen::RunWrk(*options, std::cout, std::cerr, &interrupted);
}
