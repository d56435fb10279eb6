// Fuzzes what a config goes through before anything runs, as `loadgen --check` and the control
// calls do: the text-format parser, the declarative types' compiler and the validator. Files
// that a fuzzed config names are confined to a directory that does not exist: none is read.
#include <cstddef>
#include <cstdint>
#include <string>

#include "load_generation/behavior/run_config.h"
#include "load_generation/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loadgen;  // NOLINT: a fuzz target's entry point is outside the namespace
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<LoadConfig> config = ParseLoadConfig(text, "fuzz.pbtxt");
  if (!config.ok()) return 0;
  static const FileRoot kNoFiles{.dir = "/nonexistent-fuzz", .confined_to = "/nonexistent-fuzz"};
  absl::StatusOr<RunConfig> run = ResolveRunConfig(*std::move(config), "fuzz.pbtxt", "", kNoFiles);
  if (run.ok()) run->UserTypes();
  return 0;
}
