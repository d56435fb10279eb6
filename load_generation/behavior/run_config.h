#ifndef LOAD_GENERATION_BEHAVIOR_RUN_CONFIG_H_
#define LOAD_GENERATION_BEHAVIOR_RUN_CONFIG_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "load_generation/behavior/behavior.h"
#include "load_generation/behavior/declarative.h"
#include "load_generation/config/config.h"
#include "load_generation/config/file_root.h"

namespace loadgen {

// A config checked against the behaviours that will play it: the application's compiled-in
// types and the config's own declarative types.
struct RunConfig {
  LoadConfig config;
  std::string path;
  std::string application;
  std::shared_ptr<const DeclarativeTypes> declared;

  // Every user type the config may use, sorted.
  std::vector<std::string> UserTypes() const;
  // Makes the behaviour of a user type: declared first, then compiled in.
  BehaviorSource Behaviors() const;
};

// Reads `path`, resolves the application (`application`, else the config's), compiles the
// declarative types and validates everything. InvalidArgument with the messages of
// ReadLoadConfig, DeclarativeTypes::Compile and ValidateLoadConfig otherwise. Relative paths,
// `path` and those in the config (from the config's directory), stay inside `confined_to` when
// it is given (a config named by a control call), and the file is then not quoted in errors.
absl::StatusOr<RunConfig> LoadRunConfig(const std::string& path, const std::string& application,
                                        const std::optional<std::string>& confined_to = {});
// The same for a config already parsed: `name` names it in messages, the files it names come
// from `files`.
absl::StatusOr<RunConfig> ResolveRunConfig(LoadConfig config, const std::string& name,
                                           const std::string& application, const FileRoot& files);

}  // namespace loadgen

#endif  // LOAD_GENERATION_BEHAVIOR_RUN_CONFIG_H_
