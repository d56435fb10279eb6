// loadgen: the phased load generator daemon.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"

ABSL_FLAG(std::string, config, "load.pbtxt", "Path of the load.pbtxt that describes the phases.");
ABSL_FLAG(std::string, application, "", "Application whose behaviours play the user types.");
ABSL_FLAG(std::string, host, "", "Base URL of the target, e.g. http://frontend:80.");
ABSL_FLAG(int, threads, 0, "Event loops (one per core); 0 means one per available core.");
ABSL_FLAG(absl::Duration, run_time, absl::ZeroDuration(), "End the run after this long, e.g. 90s.");
ABSL_FLAG(bool, check, false, "Validate the config against the application and exit.");

int main(int argc, char** argv) {
  absl::FlagsUsageConfig usage;
  // --help lists the project's own flags, wherever they are defined.
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StartsWith(file, "load_generation/") || absl::StartsWith(file, "applications/");
  };
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "A phased HTTP load generator.\n"
      "Usage: loadgen --config=load.pbtxt --application=hipster_shop --host=http://HOST:PORT");
  absl::ParseCommandLine(argc, argv);
  std::fprintf(stderr, "loadgen: the engine is not built yet; see --help\n");
  return 2;
}
